import Foundation

/// Ids look like the service's: a type prefix and a lowercase UUID (`run_6f0c…`).
public enum ObjectID {
    public static let assistant = "asst_"
    public static let thread = "thread_"
    public static let message = "message_"
    public static let run = "run_"
    public static let step = "step_"

    public static func make(_ prefix: String) -> String {
        prefix + RandomUUID.lowercaseString()
    }

    /// A request id as the service writes them: UUID-like.
    public static func requestID() -> String { RandomUUID.lowercaseString() }
}

/// Timestamps are Unix milliseconds, as the service's are.
public enum Timestamp {
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
