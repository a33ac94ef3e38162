import Foundation
import TestSupport

/// Finds the built assistd: $ASSISTD_BIN, else next to this test bundle (SwiftPM puts both in the
/// same build directory), else the repository's .build/debug.
enum AssistdBinary {
    static var repositoryRoot: URL { RepositoryPaths.root }

    static func path() throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["ASSISTD_BIN"], !override.isEmpty {
            candidates.append(override)
        }
        for bundle in Bundle.allBundles {
            var directory = bundle.bundleURL.deletingLastPathComponent()
            if bundle.bundleURL.pathExtension != "xctest" { directory = bundle.bundleURL }
            candidates.append(directory.appendingPathComponent("assistd").path)
        }
        if let executable = Bundle.main.executablePath {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("assistd").path)
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/assistd").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw MissingBinary(looked: candidates)
    }

    struct MissingBinary: Error, CustomStringConvertible {
        let looked: [String]
        var description: String { "assistd was not built; looked at \(looked). Run swift build, or set ASSISTD_BIN." }
    }
}
