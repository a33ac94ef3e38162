import AssistantAPI
import JSONCore

/// What a method answers, as the JSON of its response.
public protocol MethodResult: Sendable {
    func resultJSON() throws -> JSONValue
    /// The same result written out: what the response carries. A result that holds stored JSON
    /// splices it here rather than building a tree and writing it again.
    func serializedResult() throws -> SerializedJSON
}

extension MethodResult {
    public func serializedResult() throws -> SerializedJSON { SerializedJSON(try resultJSON()) }
}

extension JSONValue: MethodResult {
    public func resultJSON() -> JSONValue { self }
}

/// An Assistant API object answers with a `request_id`, as the service's answers do: the
/// service's own, else a fresh one. This is the one place a result gets one (the local engine
/// stores and returns objects without it).
public protocol RequestStamped: WireObject, MethodResult {
    var requestID: String? { get set }
}

extension RequestStamped {
    public func resultJSON() throws -> JSONValue {
        var stamped = self
        if stamped.requestID == nil { stamped.requestID = ObjectID.requestID() }
        return try stamped.wireJSON()
    }
}

extension Assistant: RequestStamped {}
extension AssistantFile: RequestStamped {}
extension ThreadObject: RequestStamped {}
extension Message: RequestStamped {}
extension MessageFile: RequestStamped {}
extension Run: RequestStamped {}
extension RunStep: RequestStamped {}
extension DeletionStatus: RequestStamped {}
extension ListPage: RequestStamped {}

/// A stored object answers with its stored bytes and the missing keys spliced in (a fresh
/// `request_id` first); bytes it cannot read that way take the decoded object's path.
extension StoredWireObject: MethodResult where Object: RequestStamped {
    public func resultJSON() throws -> JSONValue { try decoded().resultJSON() }

    public func serializedResult() throws -> SerializedJSON {
        if let spliced = wireSerialized(leading: [("request_id", .string(ObjectID.requestID()))]) { return spliced }
        return SerializedJSON(try resultJSON())
    }
}

extension ListPage {
    /// A page of stored objects splices their bytes into the page's JSON; any other page is
    /// written from its tree. Either way the members are those `resultJSON` gives.
    public func serializedResult() throws -> SerializedJSON {
        // A type check, not `as?`: casting the array would cast it item by item.
        guard Item.self == SerializedJSON.self else { return SerializedJSON(try resultJSON()) }
        let items = unsafeBitCast(data, to: [SerializedJSON].self)
        func id(_ value: String?, to out: inout [UInt8]) {
            if let value { JSONValue.writeString(value, to: &out) } else { out.append(contentsOf: SplicedListBytes.null) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(160) { $0 + $1.bytes.count + 1 })
        out.append(contentsOf: SplicedListBytes.object)
        JSONValue.writeString(object, to: &out)
        out.append(contentsOf: SplicedListBytes.data)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: item.bytes)
        }
        out.append(contentsOf: SplicedListBytes.firstID)
        id(firstID, to: &out)
        out.append(contentsOf: SplicedListBytes.lastID)
        id(lastID, to: &out)
        out.append(contentsOf: hasMore ? SplicedListBytes.hasMoreTrue : SplicedListBytes.hasMoreFalse)
        JSONValue.writeString(requestID ?? ObjectID.requestID(), to: &out)
        out.append(UInt8(ascii: "}"))
        return SerializedJSON(bytes: out)
    }
}

/// The fixed bytes of a spliced page, made once.
private enum SplicedListBytes {
    static let object = Array(#"{"object":"#.utf8)
    static let data = Array(#","data":["#.utf8)
    static let firstID = Array(#"],"first_id":"#.utf8)
    static let lastID = Array(#","last_id":"#.utf8)
    static let hasMoreTrue = Array(#","has_more":true,"request_id":"#.utf8)
    static let hasMoreFalse = Array(#","has_more":false,"request_id":"#.utf8)
    static let null = Array("null".utf8)
}
