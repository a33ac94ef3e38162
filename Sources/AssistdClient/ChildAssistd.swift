import AssistdSupport
import Foundation
import JSONCore
import JSONRPC

/// An assistd binary run as a child with pipes for its stdin and stdout (its stderr is ours, so
/// its warnings show). By default the binary is this very executable (`assistd demo`).
public final class ChildAssistd: @unchecked Sendable {
    public let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()

    /// - Parameter environment: the child's whole environment when given (else this process's).
    public init(executable: String = ChildAssistd.ownExecutable(), arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Read the child's protocol output here.
    public var output: Int32 { stdoutPipe.fileHandleForReading.fileDescriptor }
    /// Write to the child's stdin here.
    public var input: Int32 { stdinPipe.fileHandleForWriting.fileDescriptor }

    /// Closes the child's stdin (it then exits within a second, as the protocol promises) and waits.
    public func finish() -> Int32 {
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A client on the child's pipes, already reading.
    public func client(
        framing: FramingMode, logger: Logger = .disabled, onEvent: @escaping @Sendable (JSONValue) -> Void = { _ in },
        onToolCall: ProtocolClient.ToolCallHandler? = nil
    ) -> ProtocolClient {
        let client = ProtocolClient(input: output, output: input, framing: framing, logger: logger, onEvent: onEvent, onToolCall: onToolCall)
        client.start()
        return client
    }

    /// The running executable's path: /proc/self/exe, else argv[0] resolved against the directory.
    public static func ownExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let first = CommandLine.arguments[0]
        if first.hasPrefix("/") { return first }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(first).path
    }
}
