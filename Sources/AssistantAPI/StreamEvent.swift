import JSONCore

/// One event of a run's stream: the service's event name and its payload. `data` is the
/// object as JSON (passed through untouched from the hosted service); `done` carries `"[DONE]"`.
public struct StreamEvent: Sendable, Equatable {
    public var event: String
    private var payload: Payload

    private enum Payload: Sendable {
        case value(JSONValue)
        case text([UInt8])
        /// The value and its JSON text (the text is the value serialized).
        case valueAndText(JSONValue, [UInt8])
    }

    public init(event: String, data: JSONValue) {
        self.event = event
        self.payload = .value(data)
    }

    /// An event whose data is JSON text already checked to be one JSON value on one line (with
    /// no secret in it): it is passed on as these bytes, never parsed unless someone reads `data`.
    public init(event: String, checkedDataText: [UInt8]) {
        self.event = event
        self.payload = .text(checkedDataText)
    }

    /// An event whose data is given as a value and as that value's JSON text (serialized once,
    /// by its producer): read as the value, written out as the text.
    public init(event: String, data: JSONValue, serializedData: [UInt8]) {
        self.event = event
        self.payload = .valueAndText(data, serializedData)
    }

    public var data: JSONValue {
        get {
            switch payload {
            case .value(let value), .valueAndText(let value, _): return value
            case .text(let text): return (try? JSONValue.parse(text)) ?? .null
            }
        }
        set { payload = .value(newValue) }
    }

    /// The data's JSON text when the event carries it as text (see `init(event:checkedDataText:)`).
    public var dataText: [UInt8]? {
        switch payload {
        case .text(let text), .valueAndText(_, let text): return text
        case .value: return nil
        }
    }

    public static func == (left: StreamEvent, right: StreamEvent) -> Bool {
        left.event == right.event && left.data == right.data
    }

    public static let done = StreamEvent(event: "done", data: "[DONE]")

    /// Whether this is the stream's `done` (the length is compared first: a cheap answer for
    /// every other event).
    public var isDone: Bool { event.utf8.count == EventName.done.utf8.count && event == EventName.done }

    public init(_ event: String, _ object: some WireObject) throws {
        self.init(event: event, data: try object.wireJSON())
    }

    /// The run carried by a `thread.run.*` event, if this is one.
    public var run: Run? {
        guard event.hasPrefix("thread.run."), !event.hasPrefix("thread.run.step"),
            data["object"]?.stringValue == "thread.run"
        else { return nil }
        return try? Run(wireJSON: data)
    }
}

/// The names of the events, as the service spells them.
public enum EventName {
    public static let threadCreated = "thread.created"
    public static func run(_ status: String) -> String { "thread.run.\(status)" }
    public static func step(_ what: String) -> String { "thread.run.step.\(what)" }
    public static func message(_ what: String) -> String { "thread.message.\(what)" }
    public static let error = "error"
    public static let done = "done"
}
