import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport
import XCTest

final class ConnectionTests: XCTestCase {
    var pipes: [PipeConnection] = []

    override func tearDown() {
        for connection in pipes { connection.finish() }
        pipes = []
    }

    func connect(
        _ framing: FramingMode = .lsp, options: ConnectionOptions = ConnectionOptions(),
        dispatcher: ScriptedDispatcher = ScriptedDispatcher()
    ) -> (TestClient, ScriptedDispatcher, PipeConnection) {
        let connection = PipeConnection(clientFraming: framing, options: options, dispatcher: dispatcher)
        pipes.append(connection)
        return (connection.client, dispatcher, connection)
    }

    func request(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) -> JSONValue {
        TestClient.request(id: id, method: method, params: params)
    }

    // MARK: Basics, both framings

    func testEchoInBothFramingsWithExactOutputFraming() async throws {
        for framing in FramingMode.allCases {
            let (client, _, _) = connect(framing)
            client.send(request(1, "echo", ["text": "héllo 😀 你好"]))
            let reply = try await client.next()
            XCTAssertEqual(reply, ["jsonrpc": "2.0", "id": 1, "result": ["text": "héllo 😀 你好"]])
            let body = reply.serialized()
            let output = client.outputBytes
            switch framing {
            case .lsp:
                let header = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
                XCTAssertEqual(Array(output.prefix(header.count)), header)
                XCTAssertEqual(output.count, header.count + body.count)
            case .ndjson:
                XCTAssertEqual(output.last, UInt8(ascii: "\n"))
                XCTAssertEqual(output.filter { $0 == UInt8(ascii: "\n") }.count, 1)
            }
        }
    }

    /// A result serialized beforehand is spliced as it is: the very bytes `echo` writes from its
    /// tree, in both framings, for string and integer ids; a failure is the usual error. (Objects
    /// of one member only: a dictionary's order may differ between two trees of the same value.)
    func testASerializedResultIsWrittenAsTheSameResponse() async throws {
        for framing in FramingMode.allCases {
            // A long result is written from its own bytes, between the envelope's head and tail.
            let long = String(repeating: "long \"text\" ", count: 20_000)
            for (id, params): (JSONValue, JSONValue) in [
                (7, ["list": ["héllo \"😀\"\n", 1, 2.5, nil, true, ["nested": [:]], []]]),
                ("seven", ["list": ["héllo \"😀\"\n", 1, 2.5, nil, true, ["nested": [:]], []]]),
                (8, ["long": .string(long)]),
            ] {
                let (tree, _, _) = connect(framing)
                tree.send(TestClient.request(id: id, method: "echo", params: params))
                _ = try await tree.next()
                let (spliced, _, _) = connect(framing)
                spliced.send(TestClient.request(id: id, method: "echoSerialized", params: params))
                let reply = try await spliced.next()
                XCTAssertEqual(reply, ["jsonrpc": "2.0", "id": id, "result": params])
                XCTAssertEqual(spliced.outputBytes, tree.outputBytes, "\(framing), id \(id)")
            }
        }
        let (client, _, _) = connect()
        client.send(request(3, "failSerialized"))
        let failed = try await client.next()
        XCTAssertEqual(failed["error"]?["code"], -32010)
        XCTAssertEqual(failed["id"], 3)
    }

    func testIdsAreEchoedWithTheirType() async throws {
        let (client, _, _) = connect()
        client.send(request("1", "echo"))
        let received1 = try await client.next()
        XCTAssertEqual(received1["id"], "1")
        client.send(request(1, "echo"))
        let received2 = try await client.next()
        XCTAssertEqual(received2["id"], 1)
        client.send(request("", "rejectNow"))
        let received3 = try await client.next()
        XCTAssertEqual(received3["id"], "")
        client.send(request(-9_007_199_254_740_993, "echo"))
        let received4 = try await client.next()
        XCTAssertEqual(received4["id"], .int(-9_007_199_254_740_993))
    }

    // MARK: Bad input

    func testInvalidJSONGetsParseErrorAndTheConnectionGoesOn() async throws {
        for framing in FramingMode.allCases {
            let (client, _, _) = connect(framing)
            client.send(body: Array(#"{"jsonrpc":"2.0","id":1,"method":"echo""#.utf8))
            let error = try await client.next()
            XCTAssertEqual(error["id"], .null)
            XCTAssertEqual(error["error"]?["code"], -32700)
            XCTAssertTrue(error["error"]?["message"]?.stringValue?.contains("byte") ?? false, "\(error)")
            client.send(request(2, "echo", [1]))
            let received5 = try await client.next()
            XCTAssertEqual(received5["result"], [1])
        }
    }

    func testInvalidUTF8GetsParseError() async throws {
        let (client, _, _) = connect()
        client.send(body: Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":[""#.utf8) + [0xFF, 0xFE] + Array(#""]}"#.utf8))
        let error = try await client.next()
        XCTAssertEqual(error["id"], .null)
        XCTAssertEqual(error["error"]?["code"], -32700)
        XCTAssertEqual(error["error"]?["message"], "Parse error: message is not valid UTF-8")
        client.send(request(2, "echo"))
        let received6 = try await client.next()
        XCTAssertEqual(received6["id"], 2)
    }

    func testMalformedHeaderAndBadLengthsAreAnsweredAndResynchronised() async throws {
        let (client, _, _) = connect(.lsp)
        let badInputs = [
            ("Content-Length: 12\r\nbroken header line\r\n\r\n[1,2,3,4,5]\n", "malformed header"),
            ("Content-Length: twelve\r\n\r\n[1,2,3,4,5]\n", "not a byte count"),
            ("Content-Type: application/json\r\n\r\n[1,2,3,4,5]\n", "no Content-Length"),
        ]
        for (number, (input, expected)) in badInputs.enumerated() {
            client.write(raw: input)
            client.send(request(.int(Int64(number)), "echo"))
            let error = try await client.next()
            XCTAssertEqual(error["id"], .null)
            XCTAssertEqual(error["error"]?["code"], -32700)
            XCTAssertTrue(error["error"]?["message"]?.stringValue?.contains(expected) ?? false, "\(error)")
            let reply = try await client.next()
            XCTAssertEqual(reply["id"], .int(Int64(number)), "resynchronised at the next Content-Length")
        }
    }

    func testOversizeMessageIsAnsweredAndTheConnectionKeepsWorking() async throws {
        for framing in FramingMode.allCases {
            let (client, _, _) = connect(framing, options: ConnectionOptions(maxMessageBytes: 100))
            client.send(request(1, "echo", [.string(String(repeating: "x", count: 500))]))
            let error = try await client.next()
            XCTAssertEqual(error["id"], .null)
            XCTAssertEqual(error["error"]?["code"], -32600)
            XCTAssertEqual(error["error"]?["data"]?["limit"], 100)
            client.send(request(2, "echo", ["small"]))
            let received8 = try await client.next()
            XCTAssertEqual(received8["result"], ["small"])
        }
    }

    func testValidJSONThatIsNotARequest() async throws {
        let (client, _, _) = connect(.ndjson)
        client.send(5)
        client.send(["jsonrpc": "2.0", "id": 4, "method": "echo", "params": "text"])
        let first = try await client.next()
        XCTAssertEqual(first["id"], .null)
        XCTAssertEqual(first["error"]?["code"], -32600)
        let second = try await client.next()
        XCTAssertEqual(second["id"], 4, "a readable id is echoed")
        XCTAssertEqual(second["error"]?["code"], -32600)
    }

    func testUnknownMethodFromDispatcher() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "nope"))
        let reply = try await client.next()
        XCTAssertEqual(reply["error"]?["code"], -32601)
        XCTAssertEqual(reply["error"]?["data"]?["method"], "nope")
    }

    func testHandlerErrors() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "throwJSONRPCError"))
        let received9 = try await client.next()
        XCTAssertEqual(received9["error"], ["code": -32010, "message": "no such thing", "data": ["id": "x"]])
        client.send(request(2, "throwOtherError"))
        let other = try await client.next()
        XCTAssertEqual(other["error"]?["code"], -32603)
        XCTAssertEqual(other["error"]?["message"], "Internal error: something broke")
    }

    // MARK: Batches

    func testBatchGetsAnArrayOfResponses() async throws {
        let (client, dispatcher, _) = connect(.ndjson)
        client.send([
            request(1, "echo", ["a"]),
            ["jsonrpc": "2.0", "method": "note", "params": ["x": 1]],
            request("two", "echo", ["b"]),
            42,
            request(3, "rejectNow"),
        ])
        let reply = try await client.next()
        guard let responses = reply.arrayValue else { return XCTFail("\(reply)") }
        XCTAssertEqual(responses.count, 4)
        let byID = Dictionary(responses.map { ($0["id"]!, $0) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(byID[1]?["result"], ["a"])
        XCTAssertEqual(byID["two"]?["result"], ["b"])
        XCTAssertEqual(byID[3]?["error"]?["code"], -32601)
        XCTAssertEqual(byID[.null]?["error"]?["code"], -32600)
        let received10 = try await dispatcher.notifications.next()
        XCTAssertEqual(received10["method"], "note")
    }

    func testEmptyBatchGetsOneInvalidRequest() async throws {
        let (client, _, _) = connect(.ndjson)
        client.send([])
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], .null)
        XCTAssertEqual(reply["error"]?["code"], -32600)
    }

    func testAllNotificationBatchGetsNothing() async throws {
        let (client, dispatcher, _) = connect(.ndjson)
        client.send([["jsonrpc": "2.0", "method": "a"], ["jsonrpc": "2.0", "method": "b"]])
        client.send(request(5, "echo"))
        let received11 = try await client.next()
        XCTAssertEqual(received11["id"], 5, "nothing was written for the notification batch")
        let received12 = try await dispatcher.notifications.next()
        XCTAssertEqual(received12["method"], "a")
        let received13 = try await dispatcher.notifications.next()
        XCTAssertEqual(received13["method"], "b")
    }

    // MARK: Concurrency and cancellation

    func testSlowHandlerDoesNotDelayOthers() async throws {
        let (client, dispatcher, _) = connect()
        client.send(request(1, "waitForGate", ["gate": "slow"]))
        client.send(request(2, "echo", ["fast"]))
        let received14 = try await client.next()
        XCTAssertEqual(received14["id"], 2)
        dispatcher.gate("slow").open()
        let received15 = try await client.next()
        XCTAssertEqual(received15["id"], 1)
    }

    func testARequestStartedAtOnceGoesOnOnTheThreadThatEndsItsWait() async throws {
        let (client, dispatcher, _) = connect()
        client.send(request(1, "waitForGateAtOnce", ["gate": "g"]))
        client.send(request(2, "echo", ["meanwhile"]))
        let echoed = try await client.next()
        XCTAssertEqual(echoed["id"], 2, "the read thread went on while request 1 waits")
        Thread {
            Thread.current.name = "gate-opener"  // set from the thread itself, so it holds on Linux too
            dispatcher.gate("g").open()
        }.start()
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], 1)
        XCTAssertEqual(reply["result"], ["finished": true, "thread": "gate-opener"])
    }

    func testAWaitingRequestStartedAtOnceIsCancelled() async throws {
        try await assertCancelledWhileWaiting("sleepAtOnce")
    }

    func testCancelledRequestIsAnsweredWithRequestCancelled() async throws {
        try await assertCancelledWhileWaiting("waitForCancel")
    }

    /// Request 7 (`method`) waits; request 8 is answered meanwhile; `$/cancelRequest` then
    /// answers 7 with RequestCancelled.
    private func assertCancelledWhileWaiting(_ method: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let (client, _, connection) = connect()
        client.send(request(7, method))
        client.send(request(8, "echo"))
        let received = try await client.next()
        XCTAssertEqual(received["id"], 8, file: file, line: line)
        XCTAssertEqual(connection.server.requestsInFlight, [.int(7)], file: file, line: line)
        client.sendNotification("$/cancelRequest", params: ["id": 7])
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], 7, file: file, line: line)
        XCTAssertEqual(reply["error"]?["code"], -32800, file: file, line: line)
    }

    func testCancelledRequestThatFinishesAnywayReturnsItsResult() async throws {
        let (client, dispatcher, _) = connect()
        client.send(request("r", "waitForGate", ["gate": "g"]))
        client.sendNotification("$/cancelRequest", params: ["id": "r"])
        client.send(request(1, "echo"))  // answered only after the cancel has been read
        let received17 = try await client.next()
        XCTAssertEqual(received17["id"], 1)
        dispatcher.gate("g").open()
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], "r")
        XCTAssertEqual(reply["result"], ["finished": true, "sawCancel": true])
    }

    func testCancelForUnknownOrFinishedIdIsIgnored() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "echo"))
        let received18 = try await client.next()
        XCTAssertEqual(received18["id"], 1)
        client.sendNotification("$/cancelRequest", params: ["id": 1])
        client.sendNotification("$/cancelRequest", params: ["id": "never-sent"])
        client.sendNotification("$/cancelRequest", params: ["id": [1]])
        client.send(request(2, "echo"))
        let received19 = try await client.next()
        XCTAssertEqual(received19["id"], 2, "the cancels produced no output")
    }

    func testDuplicateIdInFlightIsRejected() async throws {
        let (client, dispatcher, _) = connect()
        client.send(request(1, "waitForGate", ["gate": "d"]))
        client.send(request(1, "echo"))
        let duplicate = try await client.next()
        XCTAssertEqual(duplicate["id"], 1)
        XCTAssertEqual(duplicate["error"]?["code"], -32600)
        dispatcher.gate("d").open()
        let received20 = try await client.next()
        XCTAssertEqual(received20["result"]?["finished"], true)
    }

    func testNotificationsFromAHandlerPrecedeItsResponse() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "notifyThenReply", ["count": 200]))
        client.send(request(2, "notifyThenReply", ["count": 200]))
        var nextSeq: [JSONValue: Int64] = [1: 0, 2: 0]
        var responses = 0
        while responses < 2 {
            let message = try await client.next()
            if let id = message["id"] {
                XCTAssertEqual(nextSeq[id], 200, "all notifications of \(id) came before its response")
                responses += 1
            } else {
                let request = message["params"]!["request"]!
                XCTAssertEqual(message["params"]?["seq"]?.intValue, nextSeq[request], "in order, no gaps")
                nextSeq[request]! += 1
            }
        }
    }

    // MARK: Server→client requests

    /// A client's connection numbers its own requests 1, 2, … (`ownRequestIDs: .clientIntegers`);
    /// an answer carrying the string "1" is not the answer to 1.
    func testClientStyleIdsAreIntegersAndMatchOnlyIntegers() async throws {
        let (client, _, _) = connect(options: ConnectionOptions(ownRequestIDs: .clientIntegers))
        client.send(request(7, "askClient", ["question": "2+2"]))
        let outgoing = try await client.next()
        XCTAssertEqual(outgoing["id"], 1)
        client.send(["jsonrpc": "2.0", "id": "1", "result": "a string id is another request"])
        client.send(["jsonrpc": "2.0", "id": 1, "result": 4])
        let answer = try await client.next()
        XCTAssertEqual(answer["id"], 7)
        XCTAssertEqual(answer["result"], ["answer": 4])
        client.send(request(8, "askClient", ["question": "?"]))
        let second = try await client.next()
        XCTAssertEqual(second["id"], 2)
    }

    func testServerToClientRequestRoundTrip() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "askClient", ["question": "2+2"]))
        let outgoing = try await client.next()
        XCTAssertEqual(outgoing["method"], "tools/call")
        XCTAssertEqual(outgoing["id"], "s1")
        XCTAssertEqual(outgoing["params"], ["question": "2+2"])
        client.send(["jsonrpc": "2.0", "id": "s1", "result": 4])
        let received21 = try await client.next()
        XCTAssertEqual(received21["result"], ["answer": 4])

        client.send(request(2, "askClient", ["question": "?"]))
        let second = try await client.next()
        XCTAssertEqual(second["id"], "s2")
        client.send(["jsonrpc": "2.0", "id": "s2", "error": ["code": -32000, "message": "declined"]])
        let received22 = try await client.next()
        XCTAssertEqual(received22["result"]?["clientError"]?["message"], "declined")
    }

    func testServerToClientRequestTimesOutAndTellsTheClient() async throws {
        let (client, dispatcher, _) = connect()
        client.send(request(1, "askClient", ["question": "slow", "timeout_ms": 50]))
        let outgoing = try await client.next()
        XCTAssertEqual(outgoing["id"], "s1")
        let cancel = try await client.next()
        XCTAssertEqual(cancel, ["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "s1"]])
        let received23 = try await client.next()
        XCTAssertEqual(received23["result"]?["failed"], "request s1 'tools/call' to the client timed out")
        let received24 = try await dispatcher.peerReplies.next()
        XCTAssertEqual(received24, "request s1 'tools/call' to the client timed out")
        client.send(["jsonrpc": "2.0", "id": "s1", "result": "too late"])
        client.send(request(2, "echo"))
        let received25 = try await client.next()
        XCTAssertEqual(received25["id"], 2, "a late answer is dropped quietly")
    }

    func testAProtocolMayNameItsOwnCancellationNotice() async throws {
        let notice = PeerCancellationNotice(method: "notifications/cancelled") { id, reason in ["requestId": id.json, "reason": .string(reason)] }
        let (client, _, _) = connect(options: ConnectionOptions(cancellationNotice: notice))
        client.send(request(1, "askClient", ["question": "slow", "timeout_ms": 50]))
        let outgoing = try await client.next()
        XCTAssertEqual(outgoing["id"], "s1")
        let cancel = try await client.next()
        XCTAssertEqual(cancel, ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "s1", "reason": "timed out"]])
        let first = try await client.next()
        XCTAssertEqual(first["id"], 1)

        client.send(request(2, "askClient", ["question": "x"]))
        let second = try await client.next()
        XCTAssertEqual(second["id"], "s2")
        client.sendNotification("$/cancelRequest", params: ["id": 2])
        let cancelled = try await client.next()
        XCTAssertEqual(cancelled, ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "s2", "reason": "cancelled"]])
    }

    func testCancellingARequestCancelsItsPendingClientRequest() async throws {
        let (client, _, _) = connect()
        client.send(request(1, "askClient", ["question": "x"]))
        let received26 = try await client.next()
        XCTAssertEqual(received26["id"], "s1")
        client.sendNotification("$/cancelRequest", params: ["id": 1])
        let received27 = try await client.next()
        XCTAssertEqual(received27, ["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "s1"]])
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], 1)
        XCTAssertEqual(reply["error"]?["code"], -32800)
    }

    // MARK: End of input and close

    func testEndOfInputThenCloseCancelsInFlightWorkAndFailsPendingClientRequests() async throws {
        let (client, dispatcher, connection) = connect()
        client.send(request(1, "waitForCancel"))
        client.send(request(2, "askClient", ["question": "x"]))
        let received28 = try await client.next()
        XCTAssertEqual(received28["id"], "s1")
        client.closeInput()
        let received29 = try await connection.inputClosed.next()
        XCTAssertEqual(received29, true)
        connection.server.close(deadline: .now() + 5)
        XCTAssertTrue(connection.server.requestsInFlight.isEmpty)
        let received30 = try await dispatcher.peerReplies.next()
        XCTAssertEqual(received30, "connection closed before the client answered s1 'tools/call'")
        var replies: [JSONValue: JSONValue] = [:]
        for _ in 0..<2 {
            let message = try await client.next()
            replies[message["id"]!] = message
        }
        XCTAssertEqual(replies[1]?["error"]?["code"], -32800)
        XCTAssertNotNil(replies[2]?["result"]?["failed"])
    }

    // MARK: Trace

    func testTraceRecordsEveryMessageInAndOut() async throws {
        let path = NSTemporaryDirectory() + "trace-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try MessageTrace(path: path)
        let (client, _, connection) = connect(.ndjson, options: ConnectionOptions(trace: trace))
        client.send(request(1, "echo", ["t"]))
        _ = try await client.next()
        client.write(raw: "not json\n")
        _ = try await client.next()
        connection.finish()
        trace.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.map { $0["dir"] }, ["in", "out", "in", "out"])
        XCTAssertEqual(lines[0]["message"], request(1, "echo", ["t"]))
        XCTAssertEqual(lines[1]["message"]?["result"], ["t"])
        XCTAssertEqual(lines[2]["raw"], "not json")
        for line in lines { XCTAssertNotNil(line["ts"]?.intValue) }
    }
}
