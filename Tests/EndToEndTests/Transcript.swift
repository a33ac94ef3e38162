import Foundation
import JSONCore

/// A protocol/examples/*.jsonl transcript (format in protocol/README.md, "Example transcripts").
struct Transcript {
    enum Step {
        case send(JSONValue)
        case sendRaw(String)
        /// Consecutive `expect` lines: matched in any order, except that messages about the same
        /// request (its response, its runs/event notifications) keep their listed order.
        case expect([JSONValue])
        case closeStdin
        case expectExit(Int32)
    }

    let name: String
    var arguments: [String] = []
    /// The scripted test model's script, when the transcript gives one (`{"script": …}`).
    var script: JSONValue?
    var framings = ClientFraming.allCases
    var steps: [Step] = []

    init(name: String, text: String) throws {
        self.name = name
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let entry = try JSONValue.parse(String(line))
            guard let object = entry.objectValue, object.count == 1, let (key, value) = object.first else {
                throw TranscriptError(message: "\(name):\(number + 1): each line is an object with one key")
            }
            switch key {
            case "comment": break
            case "args": arguments = value.arrayValue?.compactMap(\.stringValue) ?? []
            case "script": script = value
            case "framing": framings = value.arrayValue?.compactMap { $0.stringValue.flatMap(ClientFraming.init(rawValue:)) } ?? []
            case "send": steps.append(.send(value))
            case "send_raw": steps.append(.sendRaw(value.stringValue ?? ""))
            case "close_stdin": steps.append(.closeStdin)
            case "expect_exit": steps.append(.expectExit(Int32(value.intValue ?? -1)))
            case "expect":
                if case .expect(let group)? = steps.last {
                    steps[steps.count - 1] = .expect(group + [value])
                } else {
                    steps.append(.expect([value]))
                }
            default:
                throw TranscriptError(message: "\(name):\(number + 1): unknown key '\(key)'")
            }
        }
    }

    static func loadAll() throws -> [Transcript] {
        let directory = AssistdBinary.repositoryRoot.appendingPathComponent("protocol/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try files.map { file in
            try Transcript(name: file, text: String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        }
    }

    /// Replays against a fresh process; returns the failures (empty when it passed).
    func replay(framing: ClientFraming) throws -> [String] {
        var arguments = arguments
        if let script { arguments += ["--model", "scripted:\(try CommandRunner.writeScript(script))"] }
        let process = try AssistdProcess(framing: framing, arguments: arguments)
        var bindings = PatternMatch.Bindings()
        var failures: [String] = []
        var exited = false
        func fail(_ text: String) { failures.append("\(name) [\(framing.rawValue)]: \(text)") }
        steps: for step in steps {
            switch step {
            case .send(let message): process.send(bindings.substituted(message))
            case .sendRaw(let text): process.send(body: Array(text.utf8))
            case .closeStdin: process.closeStdin()
            case .expect(let group):
                var pending = group
                while !pending.isEmpty {
                    guard let message = process.next() else {
                        fail("no message arrived; still expecting \(pending.map(\.description))")
                        break steps
                    }
                    guard let index = Self.matchingIndex(for: message, in: pending, bindings: &bindings) else {
                        fail("unexpected \(message); expecting \(pending.map(\.description))")
                        break steps
                    }
                    pending.remove(at: index)
                }
            case .expectExit(let code):
                let status = process.waitForExit()
                exited = true
                if status != code { fail("exit status \(status.map(String.init) ?? "none (still running)"), expected \(code)") }
            }
        }
        process.closeStdin()
        if !exited, process.waitForExit() == nil { fail("did not exit after stdin closed") }
        let trailing = process.remainingMessages()
        if failures.isEmpty && !trailing.isEmpty { fail("unexpected trailing messages \(trailing)") }
        for problem in process.outputProblems { fail("output: \(problem)") }
        if !failures.isEmpty { failures.append("stderr:\n\(process.stderrText)") }
        return failures
    }

    /// The first pending pattern the message matches, honouring per-request order.
    static func matchingIndex(for message: JSONValue, in pending: [JSONValue], bindings: inout PatternMatch.Bindings) -> Int? {
        var blockedKeys: Set<String> = []
        for (index, pattern) in pending.enumerated() {
            let key = orderKey(pattern)
            if let key, blockedKeys.contains(key) { continue }
            var trial = bindings
            if PatternMatch.matches(pattern, message, bindings: &trial) {
                bindings = trial
                return index
            }
            if let key { blockedKeys.insert(key) }
        }
        return nil
    }

    /// Messages about one request: its response (by id) and its runs/event notifications.
    static func orderKey(_ pattern: JSONValue) -> String? {
        if pattern["method"] == "runs/event", let request = pattern["params"]?["request"] { return "request \(request)" }
        if pattern["method"] == nil, let id = pattern["id"], !id.isNull { return "request \(id)" }
        return nil
    }
}

struct TranscriptError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Expected-message patterns: exact JSON, plus `"$any"`, `"$string"`, `"$int"`, objects with
/// `"$partial": true` (other keys allowed), arrays starting with `"$unordered"`, and `"${name}"`:
/// a string that binds `name` to the first value it matches and must equal it afterwards (ids
/// that differ on every run); `send` lines get the bound value in its place.
enum PatternMatch {
    struct Bindings {
        var values: [String: String] = [:]

        /// `message` with every `"${name}"` string that is bound replaced by its value.
        func substituted(_ message: JSONValue) -> JSONValue {
            switch message {
            case .string(let text): return PatternMatch.bindingName(text).flatMap { values[$0] }.map(JSONValue.string) ?? message
            case .array(let elements): return .array(elements.map(substituted))
            case .object(let members): return .object(members.mapValues(substituted))
            default: return message
            }
        }
    }

    static func bindingName(_ text: String) -> String? {
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 else { return nil }
        return String(text.dropFirst(2).dropLast())
    }

    static func matches(_ pattern: JSONValue, _ value: JSONValue) -> Bool {
        var bindings = Bindings()
        return matches(pattern, value, bindings: &bindings)
    }

    static func matches(_ pattern: JSONValue, _ value: JSONValue, bindings: inout Bindings) -> Bool {
        if case .string(let text) = pattern, let name = bindingName(text) {
            guard let actual = value.stringValue else { return false }
            if let bound = bindings.values[name] { return bound == actual }
            bindings.values[name] = actual
            return true
        }
        switch pattern {
        case .string("$any"): return true
        case .string("$string"): return value.stringValue != nil
        case .string("$int"): if case .int = value { return true } else { return false }
        case .object(let expected):
            guard let actual = value.objectValue else { return false }
            let partial = expected["$partial"] == .bool(true)
            let keys = expected.keys.filter { $0 != "$partial" }
            if !partial && Set(keys) != Set(actual.keys) { return false }
            return keys.sorted().allSatisfy { key in actual[key].map { matches(expected[key]!, $0, bindings: &bindings) } ?? false }
        case .array(let expected):
            guard let actual = value.arrayValue else { return false }
            if expected.first == .string("$unordered") {
                var remaining = actual
                for element in expected.dropFirst() {
                    var found: Int?
                    for (index, candidate) in remaining.enumerated() {
                        var trial = bindings
                        if matches(element, candidate, bindings: &trial) {
                            bindings = trial
                            found = index
                            break
                        }
                    }
                    guard let index = found else { return false }
                    remaining.remove(at: index)
                }
                return remaining.isEmpty
            }
            return expected.count == actual.count && zip(expected, actual).allSatisfy { matches($0, $1, bindings: &bindings) }
        default:
            return pattern == value
        }
    }
}
