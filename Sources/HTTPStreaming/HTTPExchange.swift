import Foundation

/// One HTTP request as a client builds it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(name: String, value: String)], body: Data?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The status line and headers of a response (header names lowercased).
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A request in flight whose head has arrived: its body arrives through `body`, chunk by chunk,
/// as the network delivers it. Dropping or cancelling the body's iteration cancels the request.
public struct HTTPExchange: Sendable {
    public var head: HTTPResponseHead
    public var body: AsyncThrowingStream<Data, any Error>
    public var cancel: @Sendable () -> Void

    /// The whole body (for non-streaming endpoints).
    public func collect() async throws -> Data {
        var data = Data()
        for try await chunk in body { data.append(chunk) }
        return data
    }
}
