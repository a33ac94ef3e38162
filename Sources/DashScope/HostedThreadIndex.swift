import AssistantAPI
import Foundation
import JSONCore

/// The threads a data dir has seen on the hosted service, which lists none: `threads/list` on
/// the hosted backend pages through this index.
///
/// One JSON object a line in `hosted-threads.jsonl`, appended, never rewritten:
/// `{"service": S, "thread": {…}}` records a thread as last seen (created, retrieved, updated, or
/// named by a call that succeeded), `{"service": S, "deleted": ID}` its deletion. `S` (base URL
/// and workspace) keeps the threads of different accounts apart. Each line is one `write` on a
/// file opened for appending, so processes sharing the data dir do not interleave their lines;
/// a list replays the file, so it sees every process's threads.
public final class HostedThreadIndex: @unchecked Sendable {
    public static let fileName = "hosted-threads.jsonl"

    /// nil: kept in memory only (`--ephemeral`).
    public let fileURL: URL?
    private let lock = NSLock()
    /// The lines of an in-memory index.
    private var memoryLines: [JSONValue] = []
    /// What this process last recorded or read per service and thread, so that a thread named
    /// by every call costs one line, not one per call.
    private var known: [String: ThreadObject] = [:]

    /// The key that keeps one account's threads apart from another's in a shared data dir.
    static func service(of configuration: DashScopeConfiguration) -> String {
        configuration.baseURL + " " + (configuration.workspace ?? "")
    }

    public init(directory: String?) {
        fileURL = directory.map { URL(fileURLWithPath: $0).appendingPathComponent(Self.fileName) }
    }

    /// Records a thread as the service returned it (its metadata and creation time included).
    func record(_ thread: ThreadObject, service: String) {
        var thread = thread
        thread.requestID = nil
        let changed = lock.withLock {
            let key = service + "\n" + thread.id
            guard known[key] != thread else { return false }
            known[key] = thread
            return true
        }
        if changed { append(["service": .string(service), "thread": (try? JSONValue(encoding: thread)) ?? .null]) }
    }

    /// Records a thread a successful call named, unless it is already known; its creation time is
    /// then when this data dir first saw it.
    func recordUse(threadID: String, service: String) {
        let key = service + "\n" + threadID
        guard lock.withLock({ known[key] == nil }) else { return }
        if let listed = entries(service: service).first(where: { $0.id == threadID }) {
            lock.withLock { known[key] = listed }
        } else {
            record(ThreadObject(id: threadID, createdAt: Int64(Date().timeIntervalSince1970)), service: service)
        }
    }

    func remove(threadID: String, service: String) {
        lock.withLock { _ = known.removeValue(forKey: service + "\n" + threadID) }
        append(["service": .string(service), "deleted": .string(threadID)])
    }

    /// The service's threads in the order first seen, as last seen.
    func entries(service: String) -> [ThreadObject] {
        var order: [String] = []
        var threads: [String: ThreadObject] = [:]
        for line in readLines() where line["service"]?.stringValue == service {
            if let deleted = line["deleted"]?.stringValue {
                threads[deleted] = nil
                order.removeAll { $0 == deleted }
            } else if let thread = try? line["thread"]?.decode(ThreadObject.self) {
                if threads[thread.id] == nil { order.append(thread.id) }
                threads[thread.id] = thread
            }
        }
        return order.compactMap { threads[$0] }
    }

    func list(_ params: ListThreadsParams, service: String) throws -> ListPage<ThreadObject> {
        let threads = entries(service: service).filter(params.matches)
        return try pageInMemory(threads, id: \.id, noun: "thread", scope: "the threads this data dir has seen", params.list)
    }

    private func append(_ line: JSONValue) {
        guard let fileURL else {
            lock.withLock { memoryLines.append(line) }
            return
        }
        var bytes = line.serialized() + [UInt8(ascii: "\n")]
        try? FileManager.default.createDirectory(at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(fileURL.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // After a line cut short (a process killed mid-write), start a new line, so that only the
        // cut one is lost.
        let size = lseek(fd, 0, SEEK_END)
        var last: UInt8 = 0
        if size > 0, pread(fd, &last, 1, size - 1) == 1, last != UInt8(ascii: "\n") {
            bytes.insert(UInt8(ascii: "\n"), at: 0)
        }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func readLines() -> [JSONValue] {
        guard let fileURL else { return lock.withLock { memoryLines } }
        guard let data = try? Data(contentsOf: fileURL) else { return [] }
        // A line cut short (a process killed mid-write) is skipped.
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONValue.parse($0) }
    }
}
