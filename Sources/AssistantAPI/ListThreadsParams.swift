/// `threads/list`: a page of threads, optionally only those whose metadata has every given pair.
public struct ListThreadsParams: Sendable, Equatable {
    public var list: ListParams
    /// Pairs a thread's metadata must all have (nil or empty: every thread).
    public var metadata: [String: String]?

    public init(list: ListParams = ListParams(), metadata: [String: String]? = nil) {
        self.list = list
        self.metadata = metadata
    }

    public init(reader: inout ParamReader) throws(APIError) {
        list = try ListParams(reader: &reader)
        metadata = try Validation.metadata(&reader)
    }

    /// Whether the thread's metadata has every pair asked for.
    public func matches(_ thread: ThreadObject) -> Bool {
        (metadata ?? [:]).allSatisfy { thread.metadata[$0.key] == $0.value }
    }
}
