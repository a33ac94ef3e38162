import AssistantAPI
import CSQLite
import Foundation
import JSONCore

/// An event to log: its name and its data's JSON text.
public struct SerializedRunEvent: Sendable {
    public let event: String
    public let data: [UInt8]

    public init(event: String, data: [UInt8]) {
        self.event = event
        self.data = data
    }
}

/// One logged event of a run's stream and its index in the run (from 0).
public struct LoggedRunEvent: Sendable, Equatable {
    public let index: Int64
    public let event: StreamEvent
}

/// The run event log: every event a run's stream carried, in order, so that `runs/stream` can
/// replay it and follow a run executed by any process on this data dir.
///
/// Bounds: at most `runEventCap` events per run (later ones are not logged: an attach then gets
/// the run's final event synthesised from storage); the events of a terminal run whose last
/// event is older than `runEventRetentionSeconds` are deleted by `sweepRunEvents` (run each time
/// the local backend opens the store); deleting a thread deletes its runs' events.
extension Store {
    public static let runEventCap: Int64 = 50_000
    public static let runEventRetentionSeconds: Int64 = 24 * 3600

    /// Appends `event` as the run's next event and returns its index, or nil past the cap.
    @discardableResult
    public func appendRunEvent(
        runID: String, _ event: StreamEvent, now: Int64 = Int64(Date().timeIntervalSince1970), cap: Int64 = runEventCap
    ) throws -> Int64? {
        try appendRunEvents(runID: runID, [SerializedRunEvent(event: event.event, data: event.data.serialized())], now: now, cap: cap)
    }

    /// Appends `events` as the run's next events, in order, a statement for up to
    /// `runEventRowsPerInsert` of them; returns the index of the first, or nil when none was
    /// logged (those past the cap are not).
    @discardableResult
    public func appendRunEvents(
        runID: String, _ events: [SerializedRunEvent], now: Int64 = Int64(Date().timeIntervalSince1970), cap: Int64 = runEventCap
    ) throws -> Int64? {
        guard !events.isEmpty else { return nil }
        return try atomically {
            let next = try withConnection { db in
                try nextEventIndex.take(runID)
                    ?? db.scalarInt("SELECT COALESCE(MAX(idx) + 1, 0) FROM run_events WHERE run_id = ?", [.text(runID)]) ?? 0
            }
            let count = Int(max(0, min(Int64(events.count), cap - next)))
            guard count > 0 else { return nil }
            var start = 0
            while start < count {
                let rows = min(Self.runEventRowsPerInsert, count - start)
                var values: [SQLValue] = []
                values.reserveCapacity(rows * 5)
                for position in start..<(start + rows) {
                    values += [
                        .text(runID), .int(next + Int64(position)), .text(events[position].event), .bytes(events[position].data), .int(now),
                    ]
                }
                do {
                    try change(Self.insertRunEvents[rows - 1], values)
                } catch let error as StoreError where error.code == sqliteConstraintPrimaryKey && start == 0 {
                    // Another process logged events of this run since (it took the run over): the
                    // index is read again, so the log stays without gaps or repeats. (Only the
                    // first insert can collide: the rest follow it in this transaction.)
                    return try appendRunEvents(runID: runID, events, now: now, cap: cap)
                }
                start += rows
            }
            nextEventIndex.remember(runID, next + Int64(count))
            return next
        }
    }

    /// Rows one insert of the log writes at most.
    static let runEventRowsPerInsert = 32
    /// The insert of 1 to `runEventRowsPerInsert` rows, by row count - 1.
    static let insertRunEvents: [String] = (1...runEventRowsPerInsert).map { rows in
        "INSERT INTO run_events (run_id, idx, event, data, created_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// The run's events with an index above `after` (all when nil), oldest first, at most `limit`.
    public func runEvents(runID: String, after: Int64?, limit: Int = 1000) throws -> [LoggedRunEvent] {
        try withConnection { db in
            var events: [LoggedRunEvent] = []
            try db.query(
                "SELECT idx, event, data FROM run_events WHERE run_id = ? AND idx > ? ORDER BY idx ASC LIMIT ?",
                [.text(runID), .int(after ?? -1), .int(Int64(limit))]
            ) { row in
                let data = (try? JSONValue.parse(row.text(2))) ?? .null
                events.append(LoggedRunEvent(index: row.int(0), event: StreamEvent(event: row.text(1), data: data)))
            }
            return events
        }
    }

    /// The run's last logged event, if any.
    public func lastRunEvent(runID: String) throws -> LoggedRunEvent? {
        try withConnection { db in
            var last: LoggedRunEvent?
            try db.query(
                "SELECT idx, event, data FROM run_events WHERE run_id = ? ORDER BY idx DESC LIMIT 1", [.text(runID)]
            ) { row in
                let data = (try? JSONValue.parse(row.text(2))) ?? .null
                last = LoggedRunEvent(index: row.int(0), event: StreamEvent(event: row.text(1), data: data))
            }
            return last
        }
    }

    /// Changes whenever anything commits to the database: another process (`PRAGMA
    /// data_version`, which a connection's own commits leave alone) or this one (its connection's
    /// change count). A follower reads the log again only then.
    public func changeStamp() throws -> [Int64] {
        try withConnection { db in
            [try db.scalarInt("PRAGMA data_version") ?? 0, sqlite3_total_changes64(db.handle)]
        }
    }

    /// Deletes the events of terminal runs whose last event is older than the retention period;
    /// returns how many events were deleted.
    @discardableResult
    public func sweepRunEvents(now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Int {
        let terminal = [RunStatus.cancelled, .failed, .completed, .expired, .incomplete].map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try change(
            """
            DELETE FROM run_events WHERE run_id IN (
                SELECT e.run_id FROM run_events e JOIN runs r ON r.id = e.run_id
                WHERE r.status IN (\(terminal)) GROUP BY e.run_id HAVING MAX(e.created_at) < ?)
            """,
            [.int(now - Self.runEventRetentionSeconds)])
    }
}
