import AssistantAPI
import XCTest

@testable import MCPClient

final class FunctionNamesTests: XCTestCase {
    func testServerAndToolJoinWithTwoUnderscores() {
        var names = FunctionNames()
        XCTAssertEqual(names.claim(server: "files", tool: "read_file"), "files__read_file")
    }

    func testCharactersOutsideTheFunctionCharsetBecomeUnderscores() {
        var names = FunctionNames()
        let name = names.claim(server: "My Server", tool: "git.log/ä")
        XCTAssertEqual(name, "My_Server__git_log__")
        XCTAssertTrue(Validation.isValidFunctionName(name))
    }

    func testLongNamesAreCutToTheLimitAndStayApart() {
        var names = FunctionNames()
        let server = String(repeating: "s", count: 40)
        let first = names.claim(server: server, tool: String(repeating: "t", count: 40) + "_one")
        let second = names.claim(server: server, tool: String(repeating: "t", count: 40) + "_two")
        XCTAssertEqual(first.utf8.count, 64)
        XCTAssertEqual(second.utf8.count, 64)
        XCTAssertNotEqual(first, second)
        XCTAssertTrue(Validation.isValidFunctionName(first))
        XCTAssertTrue(Validation.isValidFunctionName(second))
        // Stable across runs: the suffix is a hash of the whole name, not Swift's seeded Hasher.
        var again = FunctionNames()
        XCTAssertEqual(again.claim(server: server, tool: String(repeating: "t", count: 40) + "_one"), first)
    }

    func testNamesThatSanitiseAlikeGetNumbered() {
        var names = FunctionNames()
        XCTAssertEqual(names.claim(server: "a", tool: "x.y"), "a__x_y")
        XCTAssertEqual(names.claim(server: "a", tool: "x_y"), "a__x_y_2")
        XCTAssertEqual(names.claim(server: "a", tool: "x/y"), "a__x_y_3")
    }

    func testAnEmptyNameStillGivesAValidFunctionName() {
        var names = FunctionNames()
        let name = names.claim(server: "", tool: "")
        XCTAssertTrue(Validation.isValidFunctionName(name), name)
    }
}
