import AssistantAPI
import Bridge
import JSONCore
import JSONRPC
import XCTest

final class ParamsTests: XCTestCase {
    func failure(_ body: () throws -> Void) -> JSONRPCError? {
        do {
            try body()
            return nil
        } catch let error as JSONRPCError {
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testPathsOfNestedFields() throws {
        let params = try Params([
            "thread_id": "thread_1",
            "thread": ["messages": [["role": "user", "content": "hi"], ["role": 3]]],
            "limit": 2.0,
            "stream": "yes",
        ])
        XCTAssertEqual(try params.string("thread_id"), "thread_1")
        XCTAssertEqual(try params.optionalInt("limit"), 2)
        XCTAssertNil(try params.optionalString("missing"))
        XCTAssertEqual(failure { _ = try params.optionalBool("stream") }?.data, ["param": "stream"])
        XCTAssertEqual(failure { _ = try params.string("assistant_id") }?.message, "Invalid params: assistant_id is required (a string)")
        let messages = try XCTUnwrap(try params.optionalObject("thread")?.optionalObjects("messages"))
        XCTAssertEqual(try messages[0].string("role"), "user")
        XCTAssertEqual(failure { _ = try messages[1].string("role") }?.data, ["param": "thread.messages[1].role"])
        XCTAssertEqual(failure { try params.rejectUnknownFields(allowed: ["thread_id", "thread", "limit"]) }?.data, ["param": "stream"])
    }

    func testParamsMustBeNamed() {
        XCTAssertEqual(failure { _ = try Params([1, 2]) }?.data, ["param": ""])
        XCTAssertNotNil(try? Params(nil))
        XCTAssertNotNil(try? Params(.null))
    }

    func testNullCountsAsAbsent() throws {
        let params = try Params(["metadata": nil])
        XCTAssertNil(try params.optionalObject("metadata"))
        XCTAssertEqual(failure { _ = try params.string("metadata") }?.code, -32602)
    }

    func testTraceRedactionHidesSecretsWherever() {
        let message: JSONValue = [
            "params": ["tools": [["type": "plugin", "auth": ["type": "user_http", "user_token": "secret-token"]]], "Authorization": "Bearer sk-1"],
        ]
        let redacted = SecretRedaction.redact(message)
        XCTAssertFalse(redacted.serializedString().contains("secret-token"))
        XCTAssertFalse(redacted.serializedString().contains("sk-1"))
        XCTAssertEqual(redacted["params"]?["tools"]?.arrayValue?.first?["auth"]?["type"], "user_http")
    }

    func testTraceRedactionHidesHeaderValuesAndTokenNamedKeys() {
        let message: JSONValue = ["params": ["initializationOptions": ["dashscope": [
            "headers": ["X-Custom-Auth": "sk-in-a-header", "X-Trace": "not secret but hidden too"],
            "access_token": "tok-1", "x-api-key": "key-2", "max_tokens": 64, "usage": ["total_tokens": 3],
        ]]]]
        let text = SecretRedaction.redact(message).serializedString()
        for secret in ["sk-in-a-header", "tok-1", "key-2"] { XCTAssertFalse(text.contains(secret), secret) }
        let options = SecretRedaction.redact(message)["params"]?["initializationOptions"]?["dashscope"]
        XCTAssertEqual(options?["headers"]?["X-Custom-Auth"], "[redacted]")
        XCTAssertEqual(options?["max_tokens"], 64)
        XCTAssertEqual(options?["usage"]?["total_tokens"], 3)
    }
}
