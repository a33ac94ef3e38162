import Foundation

/// `assistd --stdio` started by this very executable as a child, with pipes for its stdin and
/// stdout (its stderr is ours, so its warnings show).
final class ChildAssistd: @unchecked Sendable {
    let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.ownExecutable())
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Read the child's protocol output here.
    var output: Int32 { stdoutPipe.fileHandleForReading.fileDescriptor }
    /// Write to the child's stdin here.
    var input: Int32 { stdinPipe.fileHandleForWriting.fileDescriptor }

    /// Closes the child's stdin (it then exits within a second, as the protocol promises) and waits.
    func finish() -> Int32 {
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The running executable's path: /proc/self/exe, else argv[0] resolved against the directory.
    static func ownExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let first = CommandLine.arguments[0]
        if first.hasPrefix("/") { return first }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(first).path
    }
}
