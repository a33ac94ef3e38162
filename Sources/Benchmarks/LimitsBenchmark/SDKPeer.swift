import Foundation
import JSONCore
import TestSupport

/// The official Python SDK (`dashscope`, the version Tests/requirements.txt pins) in a virtual
/// environment this benchmark makes, and the long-lived helper that runs the SDK's side of the
/// rows (Tests/Fakes/sdk_benchmark_client.py --mode serve), so its repetitions interleave with
/// assistd's.
struct SDKEnvironment {
    let python: String

    /// Makes the virtual environment at `directory` unless it is there already.
    static func prepare(at directory: String) throws -> SDKEnvironment {
        let python = directory + "/bin/python"
        if !FileManager.default.isExecutableFile(atPath: python) {
            say("making a virtual environment with the SDK at \(directory) (once; a minute or two) …")
            try run("/usr/bin/env", ["python3", "-m", "venv", directory])
            try run(python, [
                "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r",
                RepositoryPaths.root.appendingPathComponent("Tests/requirements.txt").path,
            ])
        }
        return SDKEnvironment(python: python)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailed(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    let description: String
}

final class SDKHelper {
    private let process: SpawnedProcess

    var pid: pid_t { process.pid }

    init(python: String, port: Int, apiKey: String) throws {
        let script = RepositoryPaths.fakes.appendingPathComponent("sdk_benchmark_client.py").path
        process = try SpawnedProcess(python, [script, "--mode", "serve", "--port", String(port), "--api-key", apiKey])
        _ = answer()  // {"ready": true}: the SDK is imported
    }

    func command(_ command: JSONValue) -> JSONValue {
        var line = command.serialized()
        line.append(0x0A)
        process.send(line)
        return answer()
    }

    private func answer() -> JSONValue {
        guard let line = process.nextLine() else { fatalError("the SDK helper exited (see its error above)") }
        guard let value = try? JSONValue.parse(line), value["error"] == nil else {
            fatalError("the SDK helper answered \(String(decoding: line, as: UTF8.self))")
        }
        return value
    }

    func finish() {
        process.send(Array(#"{"op":"quit"}"#.utf8) + [0x0A])
        process.finish()
    }
}
