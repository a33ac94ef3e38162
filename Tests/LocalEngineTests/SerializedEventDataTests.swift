import AssistantAPI
import JSONCore
import XCTest

@testable import LocalEngine

/// An event's data serialized once for its log row, and each listener's text spliced from it.
final class SerializedEventDataTests: XCTestCase {
    let requestID: JSONValue = "req_abc"

    func check(_ data: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws {
        let serialized = SerializedEventData(data)
        XCTAssertEqual(serialized.bytes, data.serialized(), "the logged bytes are the value's serialization", file: file, line: line)
        let stamped = try JSONValue.parse(serialized.stamped(requestID: requestID.serialized()))
        guard case .object(var object) = data else {
            return XCTAssertEqual(stamped, data, "only objects carry a request_id", file: file, line: line)
        }
        object["request_id"] = requestID
        XCTAssertEqual(stamped, .object(object), "the listener's text is its stamped object", file: file, line: line)
    }

    func testTheSplicedTextIsTheStampedObject() throws {
        let run = Run(id: "run_1", createdAt: 1, threadID: "thread_1", assistantID: "asst_1", status: .inProgress, model: "m")
        let runJSON = try run.wireJSON()
        XCTAssertNotNil(runJSON["request_id"], "a wire object has its request_id member (null)")
        try check(runJSON)
        try check(try MessageDelta(messageID: "msg_1", text: "a \"quoted\" request_id:null").wireJSON())
        try check(["nested": ["request_id": .null], "text": "x"])
        try check([:])
        try check("[DONE]")
        try check(.array([1, 2]))
    }

    func testADeltaEventIsTheMessageDeltasWireJSON() throws {
        for text in ["", "hello", "a \"quoted\"\nline ✓"] {
            let event = RunMachine.deltaEvent(messageID: "msg_1", text: text)
            XCTAssertEqual(event.event, "thread.message.delta")
            XCTAssertEqual(event.data, try MessageDelta(messageID: "msg_1", text: text).wireJSON())
        }
    }

    func testAnEventReadsAsItsValueAndIsWrittenAsItsText() throws {
        let data: JSONValue = ["object": "thread.message.delta", "n": 1]
        let event = StreamEvent(event: "thread.message.delta", data: data, serializedData: data.serialized())
        XCTAssertEqual(event.data, data)
        XCTAssertEqual(event.dataText, data.serialized())
    }
}
