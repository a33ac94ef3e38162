import AssistantAPI
import JSONCore
import XCTest

final class SecretRedactionTests: XCTestCase {
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
