import AgentClientProtocol
import JSONCore
import XCTest

final class SessionPiecesTests: XCTestCase {
    func testSlashCommandsAreRecognisedByTheirWordOnly() {
        XCTAssertEqual(SlashCommand.invoked(by: "/new")?.name, "new")
        XCTAssertEqual(SlashCommand.invoked(by: "  /usage please")?.name, "usage")
        XCTAssertNil(SlashCommand.invoked(by: "/newish"))
        XCTAssertNil(SlashCommand.invoked(by: "use /new"))
    }

    func testClientToolsFollowTheClientsCapabilities() {
        XCTAssertEqual(ClientTool.offered(to: ClientCapabilities()), [])
        let all = ClientCapabilities(json: ["fs": ["readTextFile": true, "writeTextFile": true], "terminal": true])
        XCTAssertEqual(ClientTool.offered(to: all), [.readTextFile, .writeTextFile, .runCommand])
        let readOnly = ClientCapabilities(json: ["fs": ["readTextFile": true]])
        XCTAssertEqual(ClientTool.offered(to: readOnly), [.readTextFile])
        XCTAssertEqual(ClientTool.readTextFile.definition["function"]?["name"], "read_text_file")
    }

    func testProjectConfigurationReadsItsFieldsAndNamesBadOnes() throws {
        let parsed = try ProjectConfiguration.parse(Array(#"{"model": "qwen-plus", "instructions": "Be brief."}"#.utf8), path: "p")
        XCTAssertEqual(parsed, ProjectConfiguration(model: "qwen-plus", instructions: "Be brief."))
        XCTAssertThrowsError(try ProjectConfiguration.parse(Array(#"{"assistant_id": 5}"#.utf8), path: "p")) { error in
            XCTAssertEqual(error as? ProjectConfigurationError, ProjectConfigurationError(path: "p", problem: "'assistant_id' must be a non-empty string"))
        }
        XCTAssertThrowsError(try ProjectConfiguration.parse(Array("[1]".utf8), path: "p"))
        XCTAssertEqual(try ProjectConfiguration.load(directory: "/nonexistent-\(UInt64.random(in: 0...UInt64.max))"), ProjectConfiguration())
    }
}
