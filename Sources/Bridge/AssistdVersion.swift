/// The release of assistd (serverInfo.version, `--version`). The protocol has its own version.
public enum AssistdVersion {
    public static let current = "0.1.0"
    /// `initialize`'s `protocolVersion`: major.minor; a major change breaks clients.
    public static let protocolVersion = "1.0"
}
