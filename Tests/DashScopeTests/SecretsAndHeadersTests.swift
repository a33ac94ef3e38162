import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

final class SecretsAndHeadersTests: DashScopeTestCase, @unchecked Sendable {
    func testTheKeyNeverAppearsInLogsErrorsDescriptionsOrInfo() async throws {
        let key = FakeDashScopeServer.apiKey
        let backend = backend()
        var texts: [String] = []
        func record(_ error: any Error) {
            texts.append(String(describing: error))
            texts.append(String(reflecting: error))
            if let apiError = error as? APIError {
                texts.append(apiError.message)
                texts.append(JSONValue.object(apiError.details).serializedString())
            }
        }
        // Successful calls and a stream, logged.
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "hello")
        _ = try await collect(try await backend.streamRun(CreateRunParams([
            "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true,
        ])))
        // A service that echoes the key back in its error message.
        try await fake.fail(["status": 401, "code": "InvalidApiKey", "message": .string("Invalid API-key provided: \(key)"), "count": 1])
        do { _ = try await backend.retrieveThread(id: thread.id) } catch { record(error) }
        // Retries, a broken stream, a timeout, a 404.
        try await fake.fail(["status": 500, "message": .string("upstream said \(key)"), "count": 5, "method": "GET"])
        do { _ = try await backend.retrieveThread(id: thread.id) } catch { record(error) }
        try await fake.knobs(["reset_after_events": 2])
        do {
            _ = try await collect(try await backend.streamRun(CreateRunParams([
                "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true,
            ])))
        } catch { record(error) }
        do { _ = try await backend.retrieveRun(threadID: thread.id, runID: "run_nope") } catch { record(error) }
        var short = configuration()
        short.connectTimeout = .milliseconds(200)
        short.maxRetries = 0
        try await fake.fail(["delay_ms": 1500, "count": 1])
        do { _ = try await self.backend(short).retrieveThread(id: thread.id) } catch { record(error) }

        let configuration = backend.configuration
        texts.append(String(describing: configuration))
        texts.append(String(reflecting: configuration))
        var dumped = ""
        dump(configuration, to: &dumped)
        texts.append(dumped)
        texts.append(String(decoding: try JSONEncoder().encode(configuration.apiKey), as: UTF8.self))
        texts.append(JSONValue.object(backend.info).serializedString())
        texts += logLines.lines

        XCTAssertGreaterThan(logLines.lines.count, 10, "the backend logged its calls")
        XCTAssertGreaterThanOrEqual(texts.count, 20)
        for text in texts {
            XCTAssertFalse(text.contains(key), "the API key leaked into: \(text)")
            XCTAssertFalse(text.contains("8f3c2a91d4e7b605"), "part of the API key leaked into: \(text)")
        }
        XCTAssertTrue(texts.contains { $0.contains("Invalid API-key provided: [redacted]") }, "the echoed key was redacted, not dropped")
        // The key did reach the service, where it belongs.
        let sent = try await fake.requests().first?["headers"]?["authorization"]
        XCTAssertEqual(sent, .string("Bearer \(key)"))
    }

    func testHeadersTheSDKSends() async throws {
        var configuration = configuration()
        configuration.extraHeaders = ["X-Custom": "yes"]
        let backend = backend(configuration)
        let thread = try await backend.createThread(CreateThreadParams(nil))
        _ = try await backend.retrieveThread(id: thread.id)
        let requests = try await fake.requests()
        let post = try XCTUnwrap(requests.first?["headers"])
        let get = try XCTUnwrap(requests.last?["headers"])
        for headers in [post, get] {
            XCTAssertEqual(headers["authorization"], .string("Bearer \(FakeDashScopeServer.apiKey)"))
            XCTAssertEqual(headers["accept"], "application/json; charset=utf-8")
            XCTAssertEqual(headers["x-dashscope-workspace"], "ws-test")
            XCTAssertEqual(headers["x-custom"], "yes")
            XCTAssertTrue(headers["user-agent"]?.stringValue?.hasPrefix("assistd/") == true)
        }
        XCTAssertEqual(post["content-type"], "application/json; charset=utf-8")
        XCTAssertNil(get["content-type"], "no Content-Type without a body")
        XCTAssertEqual(requests.first?["body_text"], "\"\"", "Threads.create() sends the JSON string \"\"")
    }

    func testNoWorkspaceHeaderWithoutAWorkspace() async throws {
        let backend = backend(configuration(workspace: nil))
        _ = try await backend.createThread(CreateThreadParams(nil))
        let headers = try await fake.requests().first?["headers"]
        XCTAssertNil(headers?["x-dashscope-workspace"])
    }

    func testInitializationOptionsReachTheWire() async throws {
        let overridden = try configuration().overridden(by: ["dashscope": ["workspace": "ws-conn", "headers": ["X-Conn": "1"]]])
        _ = try await backend(overridden).createThread(CreateThreadParams(nil))
        let headers = try await fake.requests().first?["headers"]
        XCTAssertEqual(headers?["x-dashscope-workspace"], "ws-conn")
        XCTAssertEqual(headers?["x-conn"], "1")
    }
}
