import Foundation
import XCTest
@testable import Inference

/// Where the embedded model's file comes from: --gguf, then ASSISTD_GGUF, then assistd's models
/// folder; a file named by a setting that cannot be read is an error, never skipped.
final class GGUFLocatorTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/data/assistd/models", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func file(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    var environment: [String: String] { ["XDG_DATA_HOME": root + "/data", "HOME": root + "/home"] }

    func testTheModelsFolderPrefersTheDefaultFileName() throws {
        _ = try file("data/assistd/models/another.gguf")
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: nil, environment: environment).get(),
                       GGUFLocation(path: root + "/data/assistd/models/another.gguf", source: .modelsFolder))
        let preferred = try file("data/assistd/models/\(GGUFLocator.defaultFileName)")
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: nil, environment: environment).get().path, preferred)
    }

    func testTheFlagWinsOverTheEnvironmentWhichWinsOverTheFolder() throws {
        _ = try file("data/assistd/models/\(GGUFLocator.defaultFileName)")
        let fromEnvironment = try file("env.gguf")
        let fromFlag = try file("flag.gguf")
        var environment = environment
        environment["ASSISTD_GGUF"] = fromEnvironment
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: nil, environment: environment).get(),
                       GGUFLocation(path: fromEnvironment, source: .environment))
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: fromFlag, environment: environment).get(),
                       GGUFLocation(path: fromFlag, source: .flag))
    }

    func testAMissingFileFromEitherSettingFailsTheSameWayEvenWithAFolderModel() throws {
        _ = try file("data/assistd/models/\(GGUFLocator.defaultFileName)")
        let missing = root + "/missing.gguf"
        var environment = environment
        environment["ASSISTD_GGUF"] = missing
        XCTAssertEqual(GGUFLocator.locate(explicitPath: nil, environment: environment),
                       .failure(.unreadable(path: missing, source: .environment, reason: "No such file or directory")))
        XCTAssertEqual(GGUFLocator.locate(explicitPath: missing, environment: self.environment),
                       .failure(.unreadable(path: missing, source: .flag, reason: "No such file or directory")))
        XCTAssertEqual("\(GGUFLocatorProblem.unreadable(path: missing, source: .environment, reason: "No such file or directory"))",
                       "the model file \(missing) given with ASSISTD_GGUF cannot be read: No such file or directory")
        XCTAssertEqual(GGUFLocator.locate(explicitPath: root, environment: self.environment),
                       .failure(.unreadable(path: root, source: .flag, reason: "not a regular file")))
    }

    func testNothingInstalledNamesTheFolder() {
        XCTAssertEqual(GGUFLocator.locate(explicitPath: nil, environment: environment),
                       .failure(.notInstalled(modelsDirectory: root + "/data/assistd/models")))
    }

    func testTheModelsFolderFollowsXDGDataHome() {
        XCTAssertEqual(GGUFLocator.modelsDirectory(environment: ["XDG_DATA_HOME": "/x/data", "HOME": "/home/u"]), "/x/data/assistd/models")
        XCTAssertEqual(GGUFLocator.modelsDirectory(environment: ["XDG_DATA_HOME": "", "HOME": "/home/u"]), "/home/u/.local/share/assistd/models")
        XCTAssertEqual(GGUFLocator.modelsDirectory(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/u"]), "/home/u/.local/share/assistd/models")
    }
}

/// Several models in the folder: the packages in the order asked, then other files by name.
final class GGUFLocatorOrderTests: XCTestCase {
    func testInstalledFilesComeInPreferenceOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("locator-order-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/assistd/models"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["a-other.gguf", ModelPackage.smolLM2.fileName, ModelPackage.qwen25Coder.fileName, "notes.txt"] {
            try Data("GGUF".utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let environment = ["XDG_DATA_HOME": root]
        XCTAssertEqual(GGUFLocator.installedFiles(environment: environment, order: ModelPackage.all),
                       [ModelPackage.qwen25Coder.fileName, ModelPackage.smolLM2.fileName, "a-other.gguf"].map { folder + "/" + $0 })
        XCTAssertEqual(GGUFLocator.installedFiles(environment: environment, order: [.smolLM2]),
                       [ModelPackage.smolLM2.fileName, "a-other.gguf", ModelPackage.qwen25Coder.fileName].map { folder + "/" + $0 })
        // A run uses Qwen when it is installed, SmolLM2 when that is the only known model.
        XCTAssertEqual(GGUFLocator.preference, [.qwen25Coder, .smolLM2])
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: nil, environment: environment).get().path,
                       folder + "/" + ModelPackage.qwen25Coder.fileName)
        try FileManager.default.removeItem(atPath: folder + "/" + ModelPackage.qwen25Coder.fileName)
        XCTAssertEqual(try GGUFLocator.locate(explicitPath: nil, environment: environment).get().path,
                       folder + "/" + ModelPackage.smolLM2.fileName)
    }
}
