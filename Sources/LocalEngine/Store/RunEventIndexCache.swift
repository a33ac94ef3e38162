/// The next index of the runs this connection logged events for, so that logging an event is
/// one insert instead of a lookup of the run's last index and an insert. Only a hint: an insert
/// that collides (another process logged events of the run since) reads the index again, and
/// a rolled-back transaction forgets every entry (its events' indexes are free again).
struct RunEventIndexCache {
    /// Runs remembered at most; past it the cache starts again (a run ended long ago needs none).
    static let capacity = 4096
    private var next: [String: Int64] = [:]

    /// The remembered next index of the run, forgotten now (it is remembered again once used).
    mutating func take(_ runID: String) -> Int64? { next.removeValue(forKey: runID) }

    mutating func remember(_ runID: String, _ index: Int64) {
        if next.count >= Self.capacity { next.removeAll(keepingCapacity: true) }
        next[runID] = index
    }

    mutating func forgetAll() { next.removeAll() }
}
