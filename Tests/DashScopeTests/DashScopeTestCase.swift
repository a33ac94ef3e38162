import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

/// A test case with a fresh fake server and a backend pointed at it. Retries are made fast
/// (a few milliseconds of backoff) so failure tests need no long sleeps.
class DashScopeTestCase: XCTestCase, @unchecked Sendable {
    var fake: FakeDashScopeServer!
    let logLines = LogCapture()

    override func setUp() async throws {
        fake = try FakeDashScopeServer()
    }

    override func tearDown() async throws {
        fake?.stop()
        fake = nil
    }

    func configuration(key: String = FakeDashScopeServer.apiKey, workspace: String? = "ws-test") -> DashScopeConfiguration {
        DashScopeConfiguration(
            apiKey: APIKey(key), baseURL: fake.baseURL, workspace: workspace, connectTimeout: .seconds(10),
            readTimeout: .seconds(10), maxRetries: 3, retryBaseDelay: .milliseconds(5), maxRetryDelay: .milliseconds(50),
            firstPollInterval: .milliseconds(10), maxPollInterval: .milliseconds(50))
    }

    func backend(_ configuration: DashScopeConfiguration? = nil) -> DashScopeBackend {
        DashScopeBackend(configuration: configuration ?? self.configuration(), log: logLines.sink)
    }

    // MARK: fixtures

    static let weatherTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": [
                "type": "object",
                "properties": ["location": ["type": "string", "description": "The city"]],
                "required": ["location"],
            ],
        ],
    ]

    func makeAssistant(_ backend: DashScopeBackend, tools: [JSONValue] = []) async throws -> Assistant {
        var params: JSONObject = ["model": "qwen-max", "instructions": "You are helpful."]
        if !tools.isEmpty { params["tools"] = .array(tools) }
        return try await backend.createAssistant(CreateAssistantParams(.object(params)))
    }

    func makeThread(_ backend: DashScopeBackend, saying text: String) async throws -> ThreadObject {
        let thread = try await backend.createThread(CreateThreadParams(nil))
        _ = try await backend.createMessage(CreateMessageParams(["thread_id": .string(thread.id), "content": .string(text)]))
        return thread
    }

    func collect(_ stream: StreamEventBatches) async throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        for try await batch in stream {
            XCTAssertFalse(batch.isEmpty, "an empty batch")
            events += batch
        }
        return events
    }

    /// The events received before the stream failed, and the failure.
    func collectUntilFailure(_ stream: StreamEventBatches) async -> ([StreamEvent], (any Error)?) {
        var events: [StreamEvent] = []
        do {
            for try await event in stream.events { events.append(event) }
            return (events, nil)
        } catch {
            return (events, error)
        }
    }

    func deltaText(_ events: [StreamEvent]) -> String {
        events.filter { $0.event == "thread.message.delta" }
            .compactMap { $0.data["delta"]?["content"]?.arrayValue?.first?["text"]?["value"]?.stringValue }
            .joined()
    }

    func apiError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> APIError? {
        do {
            try await body()
            XCTFail("expected an APIError, got success", file: file, line: line)
            return nil
        } catch let error as APIError {
            return error
        } catch {
            XCTFail("expected an APIError, got \(error)", file: file, line: line)
            return nil
        }
    }
}

/// Collects the backend's log lines.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }

    var sink: DashScopeLog {
        { [self] line in lock.withLock { stored.append(line) } }
    }
}
