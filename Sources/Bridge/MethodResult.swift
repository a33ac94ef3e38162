import AssistantAPI
import JSONCore

/// What a method answers, as the JSON of its response.
public protocol MethodResult: Sendable {
    func resultJSON() throws -> JSONValue
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
