import Foundation
import JSONCore
import XCTest

/// Where a starting assistd finds its embedded model, through the binary: only `--gguf`,
/// `ASSISTD_GGUF` and its own models folder, never Python; both settings fail the same clear
/// way; `initialize` says so in structured fields; the start-up log line says what was chosen.
final class ModelLocationTests: XCTestCase {
    var dataHome = ""

    override func setUpWithError() throws { dataHome = try CommandRunner.makeDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dataHome) }

    /// A file named like a model in the models folder (never loaded: `initialize` does not load it).
    func placeModel(named name: String = ModelFixture.fileName) throws -> String {
        let folder = dataHome + "/assistd/models"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        return folder + "/" + name
    }

    func testAModelInTheModelsFolderIsAvailable() throws {
        _ = try placeModel()
        let (result, _) = try ModelFixture.initialize(["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome))
        let backend = try XCTUnwrap(result["backend"])
        XCTAssertEqual(backend["model_available"], true)
        XCTAssertEqual(backend["model"], .string("embedded \(ModelFixture.fileName)"))
        XCTAssertNil(backend["model_problem"])
    }

    func testNoModelIsReportedStructurallyWithTheCommandThatInstallsOne() throws {
        let (result, _) = try ModelFixture.initialize(["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome))
        let backend = try XCTUnwrap(result["backend"])
        XCTAssertEqual(backend["model_available"], false)
        let problem = try XCTUnwrap(backend["model_problem"]?.stringValue)
        XCTAssertTrue(problem.contains("not installed in \(dataHome)/assistd/models"), problem)
        XCTAssertTrue(problem.contains("assistd model install"), problem)
        XCTAssertEqual(backend["model"], .string("unavailable (\(problem))"), "the human text stays")
    }

    func testAMissingFileFromTheFlagOrTheEnvironmentFailsTheSameWay() throws {
        _ = try placeModel()  // never a silent fallback to it
        let missing = dataHome + "/nowhere.gguf"
        let (fromFlag, _) = try ModelFixture.initialize(
            ["--ephemeral", "--gguf", missing], environment: ModelFixture.environment(dataHome: dataHome))
        let (fromEnvironment, _) = try ModelFixture.initialize(
            ["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome, extra: ["ASSISTD_GGUF": missing]))
        XCTAssertEqual(fromFlag["backend"]?["model_available"], false)
        XCTAssertEqual(fromEnvironment["backend"]?["model_available"], false)
        XCTAssertEqual(fromFlag["backend"]?["model_problem"],
                       .string("the model file \(missing) given with --gguf cannot be read: No such file or directory"))
        XCTAssertEqual(fromEnvironment["backend"]?["model_problem"],
                       .string("the model file \(missing) given with ASSISTD_GGUF cannot be read: No such file or directory"))
        // A folder is not a model file either.
        let (folder, _) = try ModelFixture.initialize(
            ["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome, extra: ["ASSISTD_GGUF": dataHome]))
        XCTAssertEqual(folder["backend"]?["model_problem"],
                       .string("the model file \(dataHome) given with ASSISTD_GGUF cannot be read: not a regular file"))
    }

    func testTheEnvironmentWinsOverTheModelsFolder() throws {
        _ = try placeModel()
        let chosen = dataHome + "/chosen.gguf"
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: chosen))
        let (result, _) = try ModelFixture.initialize(
            ["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome, extra: ["ASSISTD_GGUF": chosen]))
        XCTAssertEqual(result["backend"]?["model"], "embedded chosen.gguf")
    }

    func testStartingNeverRunsPython() throws {
        // A python3 first on PATH that leaves a mark when run.
        let bin = dataHome + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let marker = dataHome + "/python-was-run"
        try "#!/bin/sh\ntouch '\(marker)'\nexit 1\n".write(toFile: bin + "/python3", atomically: true, encoding: .utf8)
        chmod(bin + "/python3", 0o755)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for placed in [false, true] {
            if placed { _ = try placeModel() }
            let (result, _) = try ModelFixture.initialize(
                ["--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome, extra: ["PATH": path]))
            XCTAssertEqual(result["backend"]?["model_available"], .bool(placed))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "assistd ran python3 while starting")
    }

    func testTheStartUpLogLineNamesBackendModelAndDataDir() throws {
        _ = try placeModel()
        let dataDir = dataHome + "/db"
        let (_, stderr) = try ModelFixture.initialize(
            ["--data-dir", dataDir, "--log-level", "info"], environment: ModelFixture.environment(dataHome: dataHome))
        let line = try XCTUnwrap(stderr.split(separator: "\n").first { $0.contains("serving on stdio") }, stderr)
        XCTAssertTrue(line.contains(" info: "), String(line))
        XCTAssertTrue(line.contains("backend local, model embedded \(ModelFixture.fileName), data dir \(dataDir)"), String(line))

        let (_, missing) = try ModelFixture.initialize(
            ["--ephemeral", "--gguf", "/nowhere.gguf"], environment: ModelFixture.environment(dataHome: dataHome))
        XCTAssertTrue(missing.contains("backend local, model unavailable (the model file /nowhere.gguf given with --gguf cannot be read"), missing)
    }

    func testTheDemoStopsTheSameWayForEitherSetting() throws {
        let missing = dataHome + "/nowhere.gguf"
        let binary = try AssistdBinary.path()
        let viaFlag = try CommandRunner.run(binary, ["demo", "--ephemeral", "--gguf", missing], environment: ModelFixture.environment(dataHome: dataHome))
        let viaEnvironment = try CommandRunner.run(
            binary, ["demo", "--ephemeral"], environment: ModelFixture.environment(dataHome: dataHome, extra: ["ASSISTD_GGUF": missing]))
        for (result, setting) in [(viaFlag, "--gguf"), (viaEnvironment, "ASSISTD_GGUF")] {
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("the local backend has no chat model: the model file \(missing) given with \(setting) cannot be read"), result.stderr)
            XCTAssertFalse(result.stdout.contains("you>"), result.stdout)
        }
    }
}
