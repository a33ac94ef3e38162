import Foundation
import JSONCore
import JSONRPC

/// A server `Connection` and a `TestClient` joined by two real pipes, in one process.
public final class PipeConnection: Sendable {
    public let server: Connection
    public let client: TestClient
    /// Receives one value when the server's read thread reaches end of input.
    public let inputClosed = MessageInbox()
    private let serverOutputFD: Int32
    private let serverInputFD: Int32

    /// - Parameter clientFraming: how the client frames what it sends and reads; the server
    ///   uses `options.framing` (auto by default).
    public init(
        clientFraming: FramingMode = .lsp,
        options: ConnectionOptions = ConnectionOptions(),
        dispatcher: any MessageDispatcher
    ) {
        let toServer = Self.makePipe()
        let toClient = Self.makePipe()
        serverInputFD = toServer.read
        serverOutputFD = toClient.write
        server = Connection(input: toServer.read, output: toClient.write, options: options)
        client = TestClient(framing: clientFraming, writeFD: toServer.write, readFD: toClient.read)
        server.start(dispatcher: dispatcher) { [inputClosed] in
            inputClosed.push(true)
        }
    }

    /// Ends the session: end of input for the server, the server's close, then its pipe ends so
    /// the client sees end of output.
    public func finish() {
        client.closeInput()
        server.close(deadline: .now() + 2)
        close(serverOutputFD)
    }

    static func makePipe() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        let result = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        precondition(result == 0, "pipe() failed")
        return (fds[0], fds[1])
    }
}
