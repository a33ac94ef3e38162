/// Time limits and the identity assistd gives MCP servers.
public struct MCPClientOptions: Sendable {
    /// For `initialize` (a server that starts slowly, such as one `npx` downloads first).
    public var initializeTimeout: Duration
    /// For `tools/list`.
    public var requestTimeout: Duration
    /// For each `tools/call`; a tool may legitimately take a while.
    public var toolCallTimeout: Duration
    /// How long a server has to end after SIGTERM before it gets SIGKILL.
    public var stopGracePeriod: Duration
    /// The most UTF-8 bytes of a result's text the model is given; the rest is cut with a note
    /// saying how much (a tool that dumps a whole file must not fill the model's context).
    public var maxResultTextBytes: Int
    public var clientName: String
    public var clientVersion: String

    public init(
        initializeTimeout: Duration = .seconds(60), requestTimeout: Duration = .seconds(30), toolCallTimeout: Duration = .seconds(120),
        stopGracePeriod: Duration = .seconds(2), maxResultTextBytes: Int = 256 << 10, clientName: String = "assistd", clientVersion: String = "1.0"
    ) {
        self.initializeTimeout = initializeTimeout
        self.requestTimeout = requestTimeout
        self.toolCallTimeout = toolCallTimeout
        self.stopGracePeriod = stopGracePeriod
        self.maxResultTextBytes = maxResultTextBytes
        self.clientName = clientName
        self.clientVersion = clientVersion
    }
}
