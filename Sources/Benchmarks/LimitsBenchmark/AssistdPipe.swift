import Foundation
import JSONCore

/// assistd over pipes with NDJSON framing, driven by the least client that works: it writes
/// requests and tells responses from notifications by their first bytes, parsing only what it
/// needs. So the client's own work stays out of assistd's figures (both share two cores).
final class AssistdPipe {
    let process: SpawnedProcess
    private var nextID: Int64 = 1
    /// Every line assistd writes starts so; a response goes on with its `id`.
    private static let responsePrefix = Array(#"{"jsonrpc":"2.0","id":"#.utf8)

    var pid: pid_t { process.pid }

    /// `asUsersStartIt`: with the default log level (its lines to /dev/null), as an editor starts
    /// it, for the start-up rows; otherwise `--log-level error`, so logging stays out of the rest.
    init(
        binary: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        asUsersStartIt: Bool = false
    ) throws {
        process = try SpawnedProcess(
            binary, ["--framing", "ndjson"] + (asUsersStartIt ? [] : ["--log-level", "error"]) + arguments,
            environment: environment, standardErrorToNull: asUsersStartIt)
    }

    static func isResponse(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count > responsePrefix.count && memcmp(line.baseAddress!, responsePrefix, responsePrefix.count) == 0
    }

    /// Sends a request without waiting; its id.
    @discardableResult
    func send(_ method: String, _ params: JSONValue) -> Int64 {
        let id = nextID
        nextID += 1
        process.send(Self.line(id: id, method, params))
        return id
    }

    /// A request's bytes as `send` writes them, newline included.
    static func line(id: Int64, _ method: String, _ params: JSONValue) -> [UInt8] {
        var line = JSONValue.object(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]).serialized()
        line.append(0x0A)
        return line
    }

    /// A request's result (notifications in between are skipped); stops the benchmark on an error.
    func request(_ method: String, _ params: JSONValue = .object([:])) -> JSONValue {
        let id = send(method, params)
        while let line = process.nextLine() {
            guard Self.isResponse(line) else { continue }
            let response = Self.parse(line)
            guard response["id"]?.intValue == id else { continue }
            guard let result = response["result"] else { fatalError("assistd answered \(method) with \(response)") }
            return result
        }
        fatalError("assistd exited during \(method)")
    }

    /// A request whose result is only checked to be one (a success response with its id), not
    /// parsed: the round trip then measures assistd rather than this client's parser.
    func requestUnparsed(_ method: String, _ params: JSONValue) {
        let id = send(method, params)
        let expected = Self.responsePrefix + Array(#"\#(id),"result":"#.utf8)
        while let line = process.nextLine() {
            guard Self.isResponse(line) else { continue }
            if line.count > expected.count && memcmp(line.baseAddress!, expected, expected.count) == 0 { return }
            let response = Self.parse(line)
            guard response["id"]?.intValue == id else { continue }
            fatalError("assistd answered \(method) with \(response)")
        }
        fatalError("assistd exited during \(method)")
    }

    /// A request for a method assistd does not have, with these params: the read thread answers
    /// it -32601 at once, so its round trip is assistd's transport alone (read, frame, parse,
    /// route, write) with no work behind it.
    func requestUnknownMethod(_ params: JSONValue) {
        let id = send(Self.unknownMethod, params)
        let expected = Self.responsePrefix + Array(#"\#(id),"error":"#.utf8)
        // The error object's members come in no fixed order.
        let code = Array(#""code":-32601"#.utf8)
        while let line = process.nextLine() {
            guard Self.isResponse(line) else { continue }
            if line.count > expected.count && memcmp(line.baseAddress!, expected, expected.count) == 0,
                (0...(line.count - code.count)).contains(where: { memcmp(line.baseAddress! + $0, code, code.count) == 0 }) {
                return
            }
            let response = Self.parse(line)
            guard response["id"]?.intValue == id else { continue }
            fatalError("assistd answered \(Self.unknownMethod) with \(response)")
        }
        fatalError("assistd exited during \(Self.unknownMethod)")
    }

    static let unknownMethod = "limits/noSuchMethod"

    /// Sends a request and counts the notifications until its response: (frames, seconds from the
    /// first frame to the response, the response).
    func countFrames(_ method: String, _ params: JSONValue) -> (frames: Int, firstToLast: Double, result: JSONValue) {
        let id = send(method, params)
        var frames = 0
        var first: Double?
        while let line = process.nextLine() {
            if first == nil { first = monotonicSeconds() }
            guard Self.isResponse(line) else {
                frames += 1
                continue
            }
            let response = Self.parse(line)
            guard response["id"]?.intValue == id else { continue }
            guard let result = response["result"] else { fatalError("assistd answered \(method) with \(response)") }
            return (frames, monotonicSeconds() - first!, result)
        }
        fatalError("assistd exited during \(method)")
    }

    static func parse(_ line: UnsafeRawBufferPointer) -> JSONValue {
        do {
            return try JSONValue.parse(line)
        } catch {
            fatalError("assistd wrote a line that is not JSON: \(error)")
        }
    }

    func finish() { process.finish() }
}
