import Foundation
import JSONCore
import XCTest

/// Runs a command to its end, feeding stdin and collecting stdout and stderr concurrently (so a
/// chatty process never blocks on a full pipe). A process still running after `hangGuard`
/// seconds is killed and reported: a guard against hangs, not a timing check.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    let killedAfterHanging: Bool

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

enum CommandRunner {
    static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String?] = [:],
        hangGuard: TimeInterval = 120
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let collected = CollectedOutput()
        let group = DispatchGroup()
        for (pipe, isStdout) in [(out, true), (err, false)] {
            group.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.store(data, stdout: isStdout)
                group.leave()
            }
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        var killed = false
        if group.wait(timeout: .now() + hangGuard) == .timedOut {
            killed = true
            process.terminate()
            _ = group.wait(timeout: .now() + 10)
        }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: collected.text(stdout: true), stderr: collected.text(stdout: false),
            killedAfterHanging: killed)
    }

    /// A scripted test model (protocol/runs.md) written to a temporary file.
    static func writeScript(_ script: JSONValue) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("assistd-script-\(UUID().uuidString).json").path
        try Data(script.serialized()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A fresh directory for a data dir.
    static func makeDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("assistd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var stdout = Data()
    private var stderr = Data()

    func store(_ data: Data, stdout isStdout: Bool) {
        lock.lock()
        if isStdout { stdout = data } else { stderr = data }
        lock.unlock()
    }

    func text(stdout isStdout: Bool) -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: isStdout ? stdout : stderr, as: UTF8.self)
    }
}
