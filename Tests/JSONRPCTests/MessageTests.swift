import JSONCore
import JSONRPC
import XCTest

final class MessageTests: XCTestCase {
    func decode(_ text: String) throws -> Result<IncomingMessage, InvalidMessage> {
        IncomingMessage.decode(try JSONValue.parse(text))
    }

    func testRequestIdsKeepTheirType() throws {
        guard case .success(.request(let numeric)) = try decode(#"{"jsonrpc":"2.0","id":1,"method":"m"}"#),
            case .success(.request(let text)) = try decode(#"{"jsonrpc":"2.0","id":"1","method":"m"}"#)
        else { return XCTFail() }
        XCTAssertEqual(numeric.id, .int(1))
        XCTAssertEqual(text.id, .string("1"))
        XCTAssertNotEqual(numeric.id, text.id)
        XCTAssertEqual(OutgoingMessage.response(id: text.id, outcome: .success(.null)).json["id"], .string("1"))
        XCTAssertEqual(OutgoingMessage.response(id: numeric.id, outcome: .success(.null)).json["id"], .int(1))
    }

    func testNotificationAndNullParams() throws {
        guard case .success(.notification(let method, let params)) = try decode(#"{"jsonrpc":"2.0","method":"exit","params":null}"#)
        else { return XCTFail() }
        XCTAssertEqual(method, "exit")
        XCTAssertNil(params)
    }

    func testInvalidShapes() throws {
        let cases: [(String, RequestID?)] = [
            (#"5"#, nil),
            (#"{"foo":1}"#, nil),
            (#"{"jsonrpc":"1.0","id":7,"method":"m"}"#, .int(7)),
            (#"{"id":"x","method":"m"}"#, .string("x")),
            (#"{"jsonrpc":"2.0","id":3,"method":5}"#, .int(3)),
            (#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#, nil),
            (#"{"jsonrpc":"2.0","id":{},"method":"m"}"#, nil),
            (#"{"jsonrpc":"2.0","id":null,"method":"m"}"#, nil),
            (#"{"jsonrpc":"2.0","id":4,"method":"m","params":3}"#, .int(4)),
            (#"{"jsonrpc":"2.0","id":4,"method":"m","result":3}"#, .int(4)),
            (#"{"jsonrpc":"2.0","id":"s1"}"#, .string("s1")),
            (#"{"jsonrpc":"2.0","id":"s1","result":1,"error":{"code":1,"message":"x"}}"#, .string("s1")),
            (#"{"jsonrpc":"2.0","id":"s1","error":{"code":"x"}}"#, .string("s1")),
        ]
        for (text, expectedID) in cases {
            guard case .failure(let invalid) = try decode(text) else {
                XCTFail("accepted \(text)")
                continue
            }
            XCTAssertEqual(invalid.id, expectedID, text)
            XCTAssertEqual(invalid.error.code, -32600, text)
        }
    }

    func testResponses() throws {
        guard case .success(.response(let id, let outcome)) = try decode(#"{"jsonrpc":"2.0","id":"s2","result":{"ok":true}}"#)
        else { return XCTFail() }
        XCTAssertEqual(id, .string("s2"))
        XCTAssertEqual(try outcome.get(), ["ok": true])
        guard case .success(.response(nil, .failure(let error))) = try decode(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#)
        else { return XCTFail() }
        XCTAssertEqual(error.code, -32700)
    }

    func testErrorHelpers() {
        XCTAssertEqual(JSONRPCError.invalidParams("x must be a string", path: "thread.messages[0].role").data, [
            "param": "thread.messages[0].role", "message": "x must be a string", "status_code": 400, "code": "InvalidParameter",
        ])
        XCTAssertEqual(JSONRPCError.requestCancelled(.int(3)).code, -32800)
        XCTAssertEqual(JSONRPCError.serverNotInitialized("m").code, -32002)
        XCTAssertEqual(OutgoingMessage.response(id: nil, outcome: .failure(.parseError("x"))).json["id"], .null)
    }
}
