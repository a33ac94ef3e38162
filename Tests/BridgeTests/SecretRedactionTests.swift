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

    func testValuesRedactedByNameAreLearnedAndScrubbedFromAnyTextLater() {
        let request: JSONValue = ["tools": [["type": "plugin", "auth": ["user_token": "learned-token-4d2f9a"]]]]
        _ = SecretRedaction.redact(request)
        let echo: JSONValue = ["error": ["message": "gateway refused body {\"user_token\": \"learned-token-4d2f9a\"}"]]
        XCTAssertEqual(SecretRedaction.redact(echo)["error"]?["message"], "gateway refused body {\"user_token\": \"[redacted]\"}")
        XCTAssertEqual(SecretRedaction.scrubKnownSecrets(["note": "learned-token-4d2f9a"]), ["note": "[redacted]"])
    }

    func testSecretsInARequestBodyAreLearnedWithoutChangingIt() {
        let body: JSONValue = ["tools": [["auth": ["user_token": ["value": "nested-token-8b1c3e"]]]], "model": "qwen-max"]
        SecretRedaction.learnSecrets(in: body)
        XCTAssertEqual(body["model"], "qwen-max")
        XCTAssertEqual(SecretRedaction.scrubKnownSecrets("a nested-token-8b1c3e b"), "a [redacted] b")
    }
}
