import AssistdSupport
import Foundation
import JSONCore
import JSONRPC

/// The client end of an in-process connection: writes raw bytes or framed messages into the
/// server's input pipe and parses everything the server writes, keeping the raw bytes too so
/// tests can check the exact framing.
public final class TestClient: Sendable {
    public let framing: FramingMode
    public let inbox = MessageInbox()
    /// Problems in the server's output (there should never be any).
    public let outputProblems = Locked<[String]>([])
    private let writeFD: Locked<Int32?>
    private let readFD: Int32
    private let rawOutput = Locked<[UInt8]>([])
    private let nextID = Locked<Int64>(1)

    init(framing: FramingMode, writeFD: Int32, readFD: Int32) {
        self.framing = framing
        self.writeFD = Locked(writeFD)
        self.readFD = readFD
        let thread = Thread { [self] in readServerOutput() }
        thread.name = "test-client.reader"
        thread.start()
    }

    /// Every byte the server wrote so far.
    public var outputBytes: [UInt8] { rawOutput.current }

    public func write(raw bytes: [UInt8]) {
        writeFD.withLock { fd in
            guard let fd else { return }
            writeAll(fd, bytes)
        }
    }

    public func write(raw text: String) { write(raw: Array(text.utf8)) }

    /// Frames a body in this client's framing.
    public func send(body: [UInt8]) { write(raw: FrameEncoder.encode(body, mode: framing)) }

    public func send(_ message: JSONValue) { send(body: message.serialized()) }

    /// Sends a request with the next integer id and returns that id.
    @discardableResult
    public func sendRequest(_ method: String, params: JSONValue? = nil) -> Int64 {
        let id = nextID.withLock { id -> Int64 in
            defer { id += 1 }
            return id
        }
        send(Self.request(id: .int(id), method: method, params: params))
        return id
    }

    public func sendNotification(_ method: String, params: JSONValue? = nil) {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        send(.object(object))
    }

    public static func request(id: JSONValue, method: String, params: JSONValue? = nil) -> JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { object["params"] = params }
        return .object(object)
    }

    public func next(within limit: Duration = .seconds(20)) async throws -> JSONValue {
        try await inbox.next(within: limit)
    }

    /// Closes the server's input: the server sees end of file.
    public func closeInput() {
        writeFD.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    private func readServerOutput() {
        var parser = FrameParser(framing: framing == .lsp ? .lsp : .ndjson, maxMessageBytes: 1 << 30)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let bytes = Array(chunk[0..<count])
            rawOutput.withLock { $0.append(contentsOf: bytes) }
            for event in parser.feed(bytes) { deliver(event) }
        }
        for event in parser.finish() { deliver(event) }
        close(readFD)
        inbox.end()
    }

    private func deliver(_ event: FrameEvent) {
        switch event {
        case .message(let body):
            do {
                inbox.push(try JSONValue.parse(body))
            } catch {
                outputProblems.withLock { $0.append("server wrote invalid JSON: \(error)") }
            }
        case .error(let error):
            outputProblems.withLock { $0.append("server output framing: \(error)") }
        }
    }
}
