import Foundation
import JSONCore

/// What the official Python SDK (`pip install dashscope==2.0.2`, see Tests/requirements.txt)
/// sends for its quick-start flows, and the comparison of our requests with it. The SDK runs
/// Tests/Fakes/sdk_quickstart_check.py once per test process against its own fake, whose ids
/// restart on reset like the fake a test then drives.
public enum SDKParity {
    public struct Recording: Sendable {
        /// The script's exit status: 0 all flows ran, 3 the SDK is not installed.
        public var status: Int32
        public var output: String
        /// The requests the fake saw, by flow name.
        public var flows: JSONObject
    }

    /// The recording, made on first use.
    public static func recording() throws -> Recording { try cache.get() }

    /// Why `ours` (the fake's requests for `flow`) differ from the SDK's; empty when they match.
    public static func differences(_ flow: String, ours: [JSONValue]) throws -> [String] {
        let sdk = try recording()
        if sdk.status == 3 {
            return ["the official DashScope Python SDK is not installed: pip install -r Tests/requirements.txt\n\(sdk.output)"]
        }
        guard sdk.status == 0 else { return ["the SDK's flows failed (status \(sdk.status)):\n\(sdk.output)"] }
        guard let sdkRequests = sdk.flows[flow]?.arrayValue else { return ["the SDK recorded no flow \(flow): \(sdk.output)"] }
        let expected = collapsePolls(sdkRequests.map { normalized($0, sdk: true) })
        let actual = collapsePolls(droppingCancelCheck(ours).map { normalized($0, sdk: false) })
        var differences: [String] = []
        if actual.count != expected.count {
            differences.append("\(flow): assistd sent \(actual.count) requests, the SDK \(expected.count)")
        }
        for (index, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            differences.append(
                "\(flow) request \(index) differs:\n assistd: \(mine.serializedString(sortedKeys: true))\n     SDK: \(theirs.serializedString(sortedKeys: true))")
        }
        return differences
    }

    /// Verb, path, query, body, and the values of Authorization, Accept, Content-Type (only
    /// with a body) and X-DashScope-WorkSpace. Identity headers (user agent, x-dashscope-sdk-*)
    /// and the HTTP library's own are not compared.
    static func normalized(_ request: JSONValue, sdk: Bool) -> JSONValue {
        var body = request["body_text"]?.stringValue == "" ? JSONValue.null : (request["body"] ?? .null)
        let method = request["method"] ?? .null
        let path = request["path"]?.stringValue ?? ""
        // Deliberate difference: the SDK's Assistants.update always sends file_ids [] (wiping the
        // assistant's files) and metadata null; assistd sends only what the client gave.
        if sdk, method == "POST", path.split(separator: "/").count == 4, path.contains("/assistants/"), case .object(var object) = body {
            if object["file_ids"] == [] { object["file_ids"] = nil }
            if object["metadata"] == .null { object["metadata"] = nil }
            body = .object(object)
        }
        let headers = request["headers"] ?? [:]
        return [
            "method": method, "path": .string(path), "query": request["query"] ?? [:], "body": body,
            "authorization": headers["authorization"] ?? .null, "accept": headers["accept"] ?? .null,
            "content-type": headers["content-type"] ?? .null, "workspace": headers["x-dashscope-workspace"] ?? .null,
        ]
    }

    /// `runs/wait` polls faster than the SDK's 1 s: repeated GETs of one run count once.
    static func collapsePolls(_ requests: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        for request in requests where !(request["method"] == "GET" && result.last == request) { result.append(request) }
        return result
    }

    /// Deliberate difference: after the service refuses POST …/cancel, assistd GETs the run to
    /// tell "no cancel endpoint" (-32015) from "no such run" (-32010).
    static func droppingCancelCheck(_ requests: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        for request in requests {
            if request["method"] == "GET", let last = result.last, last["path"]?.stringValue?.hasSuffix("/cancel") == true { continue }
            result.append(request)
        }
        return result
    }

    private static let cache = RecordingCache()

    private final class RecordingCache: @unchecked Sendable {
        private let lock = NSLock()
        private var recording: Recording?

        func get() throws -> Recording {
            try lock.withLock {
                if let recording { return recording }
                let fake = try FakeDashScopeServer()
                defer { fake.stop() }
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-flows-\(UUID().uuidString).json")
                defer { try? FileManager.default.removeItem(at: file) }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", RepositoryPaths.fakes.appendingPathComponent("sdk_quickstart_check.py").path,
                    "--port", String(fake.port), "--api-key", FakeDashScopeServer.apiKey, "--workspace", "ws-test", "--record", file.path,
                ]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                let flows = (try? JSONValue.parse([UInt8](Data(contentsOf: file))))?.objectValue ?? [:]
                let made = Recording(status: process.terminationStatus, output: text, flows: flows)
                recording = made
                return made
            }
        }
    }
}
