import JSONCore

/// What the client said it can do in `initialize` (`clientCapabilities`): which of assistd's
/// built-in tools it can run.
public struct ClientCapabilities: Sendable, Equatable {
    public var readTextFile = false
    public var writeTextFile = false
    public var terminal = false

    public init() {}

    public init(json: JSONValue?) {
        readTextFile = json?["fs"]?["readTextFile"]?.boolValue ?? false
        writeTextFile = json?["fs"]?["writeTextFile"]?.boolValue ?? false
        terminal = json?["terminal"]?.boolValue ?? false
    }
}
