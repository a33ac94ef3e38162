import JSONCore
import XCTest

@testable import MCPClient

final class MCPToolResultTests: XCTestCase {
    func testEveryKindOfContentBlockBecomesALineForTheModel() {
        let result = MCPToolResult(json: [
            "content": [
                ["type": "text", "text": "first"],
                ["type": "audio", "data": "AAAA", "mimeType": "audio/wav"],
                ["type": "resource_link", "uri": "file:///a.txt", "name": "a.txt"],
                ["type": "resource", "resource": ["uri": "file:///b.txt", "text": "inside b"]],
                ["type": "resource", "resource": ["uri": "file:///c.bin", "blob": "AAAA", "mimeType": "application/octet-stream"]],
            ],
            "isError": false,
        ])
        XCTAssertEqual(
            result.text,
            "first\n[audio: audio/wav, about 3 bytes]\n[resource link: file:///a.txt (a.txt)]\ninside b\n[binary resource: file:///c.bin, application/octet-stream]")
        XCTAssertEqual(result.content.count, 5)
    }

    func testStructuredContentStandsInForMissingBlocks() {
        let result = MCPToolResult(json: ["content": [], "structuredContent": ["temperature": 21]])
        XCTAssertEqual(result.text, #"{"temperature":21}"#)
        XCTAssertFalse(result.isError)
    }

    func testTextPastTheLimitIsCutAtACharacterWithANote() {
        let result = MCPToolResult(json: ["content": [["type": "text", "text": "aé€😀b"]]], maxTextBytes: 7)
        // a (1) é (2) € (3) = 6 bytes; 😀 (4) would pass 7.
        XCTAssertEqual(result.text, "aé€\n[… 5 more bytes not shown]")
        XCTAssertEqual(result.content, [["type": "text", "text": "aé€😀b"]], "the blocks stay whole")
        XCTAssertEqual(MCPToolResult(json: ["content": [["type": "text", "text": "short"]]], maxTextBytes: 5).text, "short")
    }

    func testIsErrorIsKept() {
        let result = MCPToolResult(json: ["content": [["type": "text", "text": "boom"]], "isError": true])
        XCTAssertEqual(result, MCPToolResult(text: "boom", isError: true, content: [["type": "text", "text": "boom"]]))
    }

    func testToolEntriesWithoutAnObjectSchemaGetAnEmptyObjectSchema() {
        XCTAssertEqual(MCPTool(json: ["name": "t", "inputSchema": ["type": "string"]])?.inputSchema, ["type": "object"])
        XCTAssertEqual(MCPTool(json: ["name": "t"])?.inputSchema, ["type": "object"])
        XCTAssertNil(MCPTool(json: ["description": "nameless"]))
    }
}
