import AgentClientProtocol
import JSONCore
import XCTest

final class PromptTextTests: XCTestCase {
    func testTextBlocksAreKeptAsTheyAreAndJoined() throws {
        let text = try PromptText.message(from: [["type": "text", "text": "Fix the bug"], ["type": "text", "text": "in ünïcode 😀"]])
        XCTAssertEqual(text, "Fix the bug\n\nin ünïcode 😀")
    }

    func testResourceLinkNamesItsURI() throws {
        let text = try PromptText.message(from: [
            ["type": "text", "text": "Look at"],
            ["type": "resource_link", "uri": "file:///p/a.swift", "name": "a.swift", "description": "the parser"],
        ])
        XCTAssertEqual(text, "Look at\n\nLinked resource \"a.swift\": file:///p/a.swift (the parser)")
    }

    func testEmbeddedTextResourceIsQuotedWithItsURI() throws {
        let text = try PromptText.message(from: [
            ["type": "resource", "resource": ["uri": "file:///p/b.md", "text": "has ``` inside\n", "mimeType": "text/markdown"]],
        ])
        XCTAssertEqual(text, "Context from file:///p/b.md:\n````\nhas ``` inside\n````")
    }

    func testBinaryResourceAndImagesAreNotedNotInlined() throws {
        let text = try PromptText.message(from: [
            ["type": "text", "text": "see"],
            ["type": "resource", "resource": ["uri": "file:///p/c.png", "blob": "AAAA", "mimeType": "image/png"]],
            ["type": "image", "data": "AAAA", "mimeType": "image/png"],
        ])
        XCTAssertEqual(text, "see\n\nContext from file:///p/c.png: (image/png, not shown)\n\n(image attachment, image/png, not shown)")
    }

    func testBadBlocksNameTheirPath() {
        XCTAssertThrowsError(try PromptText.message(from: [["type": "text", "text": "a"], ["text": "no type"]])) { error in
            XCTAssertEqual(error as? PromptTextError, PromptTextError(path: "prompt[1].type", problem: "is required"))
        }
        XCTAssertThrowsError(try PromptText.message(from: [["type": "video"]])) { error in
            XCTAssertEqual((error as? PromptTextError)?.path, "prompt[0].type")
        }
        XCTAssertThrowsError(try PromptText.message(from: [])) { error in
            XCTAssertEqual((error as? PromptTextError)?.path, "prompt")
        }
    }
}
