import AssistantAPI

/// Every object a backend returns carries a fresh `request_id`, as the service's responses do;
/// it is never stored.
protocol RequestStamped {
    var requestID: String? { get set }
}

extension RequestStamped {
    func stamped() -> Self {
        var copy = self
        copy.requestID = ObjectID.requestID()
        return copy
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
