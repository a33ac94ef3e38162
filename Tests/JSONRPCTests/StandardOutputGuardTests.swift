import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport
import XCTest

final class StandardOutputGuardTests: XCTestCase {
    /// Runs a connection whose output is the descriptor the guard hands back, with fd 1 and fd 2
    /// temporarily pointed at pipes, and checks that a handler's `print` lands on "stderr" while the
    /// protocol stream holds only frames.
    func testStrayPrintInAHandlerDoesNotCorruptTheProtocolStream() async throws {
        let savedOut = dup(1)
        let savedErr = dup(2)
        defer {
            dup2(savedOut, 1)
            dup2(savedErr, 2)
            close(savedOut)
            close(savedErr)
        }
        let stdoutPipe = makePipe()
        let stderrPipe = makePipe()
        let clientToServer = makePipe()
        fflush(nil)
        dup2(stdoutPipe.write, 1)
        dup2(stderrPipe.write, 2)
        close(stdoutPipe.write)
        close(stderrPipe.write)

        let protocolFD = try StandardOutputGuard.takeProtocolOutput()
        let connection = Connection(input: clientToServer.read, output: protocolFD, options: ConnectionOptions(framing: .lsp))
        connection.start(dispatcher: ScriptedDispatcher()) {}
        let message = TestClient.request(id: 1, method: "strayPrint")
        let framed = FrameEncoder.encode(message.serialized(), mode: .lsp)
        _ = framed.withUnsafeBytes { write(clientToServer.write, $0.baseAddress, $0.count) }
        close(clientToServer.write)

        // Read the protocol stream until the reply is complete.
        var protocolBytes: [UInt8] = []
        var parser = FrameParser(framing: .lsp)
        var replies: [FrameEvent] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while replies.isEmpty {
            let count = chunk.withUnsafeMutableBytes { read(stdoutPipe.read, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            protocolBytes += chunk[0..<count]
            replies += parser.feed(Array(chunk[0..<count]))
        }
        connection.close(deadline: .now() + 2)
        close(protocolFD)
        // Restore the real descriptors, which also closes the write ends of our pipes.
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        let stderrText = String(decoding: readAll(stderrPipe.read), as: UTF8.self)
        protocolBytes += readAll(stdoutPipe.read)

        XCTAssertTrue(stderrText.contains("stray text from a handler"), stderrText)
        guard case .message(let body)? = replies.first else { return XCTFail("no reply: \(replies)") }
        XCTAssertEqual(try JSONValue.parse(body)["result"], "printed")
        XCTAssertEqual(protocolBytes, FrameEncoder.encode(body, mode: .lsp), "the protocol stream holds only the reply frame")
    }

    func makePipe() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        _ = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        return (fds[0], fds[1])
    }

    func readAll(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        close(fd)
        return bytes
    }
}
