import AssistantAPI
import DashScope
import Foundation
import JSONCore
import TestSupport
import XCTest

/// HTTP errors, retries, broken streams and network failures.
final class FailureTests: DashScopeTestCase, @unchecked Sendable {
    func threadPath(_ id: String) -> String { "/api/v1/threads/\(id)" }

    func testWrongKeyIsUnauthenticated() async throws {
        let backend = backend(configuration(key: "sk-wrong-key-0000"))
        let error = await apiError { _ = try await backend.createThread(CreateThreadParams(nil)) }
        XCTAssertEqual(error?.kind, .unauthenticated)
        XCTAssertEqual(error?.statusCode, 401)
        XCTAssertEqual(error?.code, "InvalidApiKey")
        XCTAssertEqual(error?.message, "Invalid API-key provided.")
        XCTAssertNotNil(error?.requestID)
    }

    func testUnknownObjectIsNotFound() async throws {
        let backend = backend()
        let error = await apiError { _ = try await backend.retrieveRun(threadID: "thread_nope", runID: "run_nope") }
        XCTAssertEqual(error?.kind, .notFound)
        XCTAssertEqual(error?.statusCode, 404)
        XCTAssertEqual(error?.code, "NotFound")
        XCTAssertTrue(error?.message.contains("thread_nope") == true, error?.message ?? "")
    }

    func testBadRequestIsInvalidParams() async throws {
        let backend = backend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        let error = await apiError {
            _ = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": "asst_missing"]))
        }
        XCTAssertEqual(error?.kind, .notFound, "the fake reports an unknown assistant as 404")
        try await fake.fail(["status": 400, "code": "InvalidParameter", "message": "temperature out of range", "path_regex": "/runs$"])
        let invalid = await apiError {
            _ = try await backend.createRun(CreateRunParams(["thread_id": .string(thread.id), "assistant_id": "asst_x"]))
        }
        XCTAssertEqual(invalid?.kind, .invalidParams)
        XCTAssertEqual(invalid?.param, "body")
        XCTAssertEqual(invalid?.message, "temperature out of range")
    }

    func testRateLimitedReadIsRetriedAfterRetryAfter() async throws {
        let backend = backend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        try await fake.fail(["status": 429, "code": "Throttling.RateQuota", "retry_after": 1, "count": 1, "method": "GET"])
        let retrieved = try await backend.retrieveThread(id: thread.id)
        XCTAssertEqual(retrieved.id, thread.id)
        let gets = try await fake.requests().filter { $0["method"] == "GET" }
        XCTAssertEqual(gets.count, 2, "one 429, then the retry")
        XCTAssertTrue(logLines.lines.contains { $0.contains("retrying after HTTP 429 in 1000 ms") }, "Retry-After: 1 was honoured: \(logLines.lines)")
    }

    func testServerErrorThenSuccessOnARead() async throws {
        let backend = backend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        try await fake.fail(["status": 500, "code": "InternalError", "count": 2, "method": "GET"])
        let retrieved = try await backend.retrieveThread(id: thread.id)
        XCTAssertEqual(retrieved.id, thread.id)
        let gets = try await fake.requests().filter { $0["method"] == "GET" }
        XCTAssertEqual(gets.count, 3)
    }

    func testPersistentServerErrorGivesUpAfterMaxRetries() async throws {
        let backend = backend()
        try await fake.fail(["status": 503, "code": "ServiceUnavailable", "message": "overloaded", "count": 100, "method": "GET"])
        let error = await apiError { _ = try await backend.retrieveThread(id: "thread_x") }
        XCTAssertEqual(error?.kind, .upstreamFailure)
        XCTAssertEqual(error?.statusCode, 503)
        XCTAssertEqual(error?.code, "ServiceUnavailable")
        let count = try await fake.requests().count
        XCTAssertEqual(count, 4, "the first try and 3 retries")
    }

    func testWritesAreNotRetriedOnceTheyReachedTheServer() async throws {
        let backend = backend()
        try await fake.fail(["status": 500, "code": "InternalError", "count": 1, "method": "POST"])
        let error = await apiError { _ = try await backend.createThread(CreateThreadParams(nil)) }
        XCTAssertEqual(error?.kind, .upstreamFailure)
        try await fake.fail(["status": 429, "code": "Throttling", "retry_after": 0, "count": 1, "method": "POST"])
        let limited = await apiError { _ = try await backend.createThread(CreateThreadParams(nil)) }
        XCTAssertEqual(limited?.kind, .rateLimited)
        XCTAssertEqual(limited?.details["retry_after"], "0")
        let count = try await fake.requests().count
        XCTAssertEqual(count, 2, "neither POST was retried")
    }

    func testRetryAfterLongerThanWeWaitIsNotWaitedFor() async throws {
        let backend = backend()
        try await fake.fail(["status": 429, "code": "Throttling", "retry_after": 3600, "count": 1, "method": "GET"])
        let error = await apiError { _ = try await backend.retrieveThread(id: "thread_x") }
        XCTAssertEqual(error?.kind, .rateLimited)
        XCTAssertEqual(error?.details["retry_after"], "3600")
        let count = try await fake.requests().count
        XCTAssertEqual(count, 1)
    }

    func testConnectionResetOnAReadIsRetried() async throws {
        let backend = backend()
        let thread = try await backend.createThread(CreateThreadParams(nil))
        try await fake.fail(["status": 0, "count": 1, "method": "GET"])
        let retrieved = try await backend.retrieveThread(id: thread.id)
        XCTAssertEqual(retrieved.id, thread.id)
    }

    func testResetMidStreamEndsWithUpstreamFailureAfterTheEventsReceived() async throws {
        try await fake.knobs(["reset_after_events": 5])
        let backend = backend()
        let (events, error) = await collectUntilFailure(try await streamRun(backend))
        XCTAssertEqual(events.count, 5)
        let apiError = try XCTUnwrap(error as? APIError, "got \(String(describing: error))")
        XCTAssertEqual(apiError.kind, .upstreamFailure)
        XCTAssertTrue(apiError.message.contains("after 5 events"), apiError.message)
    }

    func testMalformedSSEDataEndsTheStream() async throws {
        try await fake.knobs(["malformed_after_events": 3])
        let backend = backend()
        let (events, error) = await collectUntilFailure(try await streamRun(backend))
        XCTAssertEqual(events.map(\.event), ["thread.run.created", "thread.run.queued", "thread.run.in_progress"])
        let apiError = try XCTUnwrap(error as? APIError)
        XCTAssertEqual(apiError.kind, .upstreamFailure)
        XCTAssertEqual(apiError.code, "MalformedEvent")
        XCTAssertTrue(apiError.message.contains("not JSON"), apiError.message)
    }

    func testErrorEventEndsTheStreamWithTheServiceError() async throws {
        try await fake.knobs(["error_after_events": 4])
        let backend = backend()
        let (events, error) = await collectUntilFailure(try await streamRun(backend))
        XCTAssertEqual(events.count, 4)
        let apiError = try XCTUnwrap(error as? APIError)
        XCTAssertEqual(apiError.kind, .upstreamFailure)
        XCTAssertEqual(apiError.code, "InternalError.Algo")
        XCTAssertNotNil(apiError.requestID)
        XCTAssertTrue(apiError.message.contains("the model failed mid-stream"), apiError.message)
    }

    /// The events ahead of a failure in the same network read still arrive, then the failure.
    func testAFailureAmongEventsWrittenTogetherComesAfterTheEventsBeforeIt() async throws {
        try await fake.knobs(["error_after_events": 4, "flush_every": 64])
        let (events, error) = await collectUntilFailure(try await streamRun(backend()))
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual((error as? APIError)?.code, "InternalError.Algo")
        XCTAssertTrue((error as? APIError)?.message.contains("the model failed mid-stream") == true, "\(String(describing: error))")

        try await fake.knobs(["error_after_events": .null, "malformed_after_events": 3, "flush_every": 64])
        let (beforeMalformed, malformed) = await collectUntilFailure(try await streamRun(backend()))
        XCTAssertEqual(beforeMalformed.map(\.event), ["thread.run.created", "thread.run.queued", "thread.run.in_progress"])
        XCTAssertEqual((malformed as? APIError)?.code, "MalformedEvent")
        XCTAssertTrue((malformed as? APIError)?.message.contains("after 3 events") == true, "\(String(describing: malformed))")
    }

    func testStreamEndingWithoutDoneIsAnUpstreamFailure() async throws {
        try await fake.knobs(["sse_style": "no_done"])
        let backend = backend()
        let (events, error) = await collectUntilFailure(try await streamRun(backend))
        XCTAssertEqual(events.last?.event, "thread.run.completed", "every event before the missing done arrived")
        XCTAssertEqual((error as? APIError)?.code, "IncompleteStream")
    }

    func testStreamHTTPErrorThrowsBeforeAnyEvent() async throws {
        let backend = backend()
        let error = await apiError {
            _ = try await backend.streamRun(CreateRunParams(["thread_id": "thread_missing", "assistant_id": "asst_x", "stream": true]))
        }
        XCTAssertEqual(error?.kind, .notFound)
        XCTAssertEqual(error?.statusCode, 404)
    }

    func testSlowServerHitsTheConnectTimeout() async throws {
        var configuration = configuration()
        configuration.connectTimeout = .milliseconds(300)
        configuration.maxRetries = 0
        let backend = backend(configuration)
        try await fake.fail(["delay_ms": 3000, "count": 1, "method": "GET"])
        let error = await apiError { _ = try await backend.retrieveThread(id: "thread_x") }
        XCTAssertEqual(error?.kind, .upstreamFailure)
        XCTAssertEqual(error?.code, "Timeout")
        XCTAssertTrue(error?.message.contains("timed out") == true, error?.message ?? "")
    }

    func testSilentStreamHitsTheReadTimeout() async throws {
        var configuration = configuration()
        configuration.readTimeout = .milliseconds(300)
        try await fake.knobs(["stall_after_events": 3, "stall_ms": 3000])
        let backend = backend(configuration)
        let (events, error) = await collectUntilFailure(try await streamRun(backend))
        XCTAssertEqual(events.count, 3)
        let apiError = try XCTUnwrap(error as? APIError)
        XCTAssertEqual(apiError.kind, .upstreamFailure)
        XCTAssertEqual(apiError.code, "Timeout")
        XCTAssertTrue(apiError.message.contains("timed out") && apiError.message.contains("read timeout"), apiError.message)
    }

    func testRefusedConnectionSaysSo() async throws {
        let port = fake.port
        fake.stop()
        fake = nil
        let backend = DashScopeBackend(configuration: DashScopeConfiguration(
            apiKey: APIKey(FakeDashScopeServer.apiKey), baseURL: "http://127.0.0.1:\(port)/api/v1", maxRetries: 2,
            retryBaseDelay: .milliseconds(1)), log: logLines.sink)
        let error = await apiError { _ = try await backend.createThread(CreateThreadParams(nil)) }
        XCTAssertEqual(error?.kind, .upstreamFailure)
        XCTAssertEqual(error?.code, "ConnectionRefused")
        XCTAssertTrue(error?.message.contains("connection refused by 127.0.0.1:\(port)") == true, error?.message ?? "")
        XCTAssertEqual(logLines.lines.filter { $0.contains("retrying") }.count, 2, "a POST that never reached the server is retried")
    }

    func testDNSFailureSaysSo() async throws {
        let backend = DashScopeBackend(configuration: DashScopeConfiguration(
            apiKey: APIKey(FakeDashScopeServer.apiKey), baseURL: "http://no-such-host.invalid/api/v1", maxRetries: 0))
        let error = await apiError { _ = try await backend.retrieveThread(id: "thread_x") }
        XCTAssertEqual(error?.code, "DNSFailure")
        XCTAssertTrue(error?.message.contains("DNS failure: cannot resolve the host no-such-host.invalid") == true, error?.message ?? "")
    }

    func testTLSFailureSaysSo() async throws {
        // An https request to the fake's plain-HTTP port: the TLS handshake fails.
        let backend = DashScopeBackend(configuration: DashScopeConfiguration(
            apiKey: APIKey(FakeDashScopeServer.apiKey), baseURL: "https://127.0.0.1:\(fake.port)/api/v1", maxRetries: 0))
        let error = await apiError { _ = try await backend.retrieveThread(id: "thread_x") }
        XCTAssertEqual(error?.code, "TLSFailure", error?.message ?? "")
        XCTAssertTrue(error?.message.contains("TLS failure") == true, error?.message ?? "")
    }

    func streamRun(_ backend: DashScopeBackend) async throws -> StreamEventBatches {
        let assistant = try await makeAssistant(backend)
        let thread = try await makeThread(backend, saying: "Say hello to everyone here")
        return try await backend.streamRun(CreateRunParams([
            "thread_id": .string(thread.id), "assistant_id": .string(assistant.id), "stream": true,
        ]))
    }
}
