import Glibc

/// One server-sent event as it came off the wire: its `event:` name (nil when none was
/// given), its `data:` lines joined with `\n`, and the last `id:` and DashScope's `status:`.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: [UInt8]
    public var id: String?
    public var status: Int?

    public init(event: String?, data: [UInt8], id: String? = nil, status: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.status = status
    }

    public var dataString: String { String(decoding: data, as: UTF8.self) }
}

/// An incremental SSE parser that accepts what DashScope, OpenAI-compatible servers and the
/// proxies in front of them send:
/// `event:`/`data:` with or without the space after the colon, CR, LF or CRLF line ends (also
/// split across chunks), multi-line `data` (joined with `\n`, as the SSE standard says),
/// `id:`, DashScope's `status:` lines, comments and empty heartbeat comments (`:`), a leading
/// byte-order mark. An event ends at a blank line; an `event:` line that follows data also
/// ends the event before it, for senders that leave the blank line out. At the end of input
/// (`finish`) an event that has data is delivered even without its blank line.
public struct SSEParser {
    private var pending: [UInt8] = []
    private var skipNextLF = false
    private var atStart = true
    private var event: String?
    private var lastEventName: (name: String, bytes: [UInt8])?
    private var data: [UInt8] = []
    private var hasData = false
    private var id: String?
    private var status: Int?
    private var dataLines = 0
    private let isCompleteData: (([UInt8]) -> Bool)?

    /// - Parameter isCompleteData: for senders that also leave out the blank line between
    ///   events (some OpenAI-compatible servers): a `data:` line that follows a single data line
    ///   this accepts as complete (a whole JSON document) starts a new event.
    public init(isCompleteData: (([UInt8]) -> Bool)? = nil) {
        self.isCompleteData = isCompleteData
    }

    /// Feeds bytes and returns the events they complete, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [SSEEvent] {
        // The common case: the lines are read where they lie.
        if !atStart, let events = bytes.withContiguousStorageIfAvailable({ feedInPlace($0) }) {
            return events
        }
        pending.append(contentsOf: bytes)
        if atStart {
            if pending.count < 3, [0xEF, 0xBB, 0xBF].starts(with: pending) { return [] }
            if pending.starts(with: [0xEF, 0xBB, 0xBF]) { pending.removeFirst(3) }
            atStart = false
        }
        let input = pending
        pending = []
        var events: [SSEEvent] = []
        input.withUnsafeBufferPointer { scanLines($0, into: &events) }
        return events
    }

    /// A partial line left by the last chunk is completed with this one's first line (the only
    /// bytes copied); the rest is read where it lies.
    private mutating func feedInPlace(_ buffer: UnsafeBufferPointer<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !pending.isEmpty else {
            scanLines(buffer, into: &events)
            return events
        }
        guard let lineEnd = buffer.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) else {
            pending.append(contentsOf: buffer)
            return []
        }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[...lineEnd]))
        let line = pending
        pending = []
        line.withUnsafeBufferPointer { scanLines($0, into: &events) }
        scanLines(UnsafeBufferPointer(rebasing: buffer[(lineEnd + 1)...]), into: &events)
        return events
    }

    /// Processes the complete lines in `buffer` and keeps the incomplete last one in `pending`
    /// (empty on entry).
    private mutating func scanLines(_ buffer: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        var index = 0
        let count = buffer.count
        guard let base = buffer.baseAddress else { return }
        while index < count {
            if skipNextLF {
                skipNextLF = false
                if buffer[index] == 0x0A {
                    index += 1
                    continue
                }
            }
            // The line's end: the first LF (memchr), or a CR before it.
            let rest = count - index
            let lf = memchr(base + index, 0x0A, rest).map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - (base + index) }
            let cr = memchr(base + index, 0x0D, lf ?? rest).map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - (base + index) }
            guard let end = cr ?? lf else { break }
            processLine(UnsafeBufferPointer(rebasing: buffer[index..<index + end]), into: &events)
            skipNextLF = cr != nil
            index += end + 1
        }
        pending = Array(UnsafeBufferPointer(rebasing: buffer[index..<count]))
    }

    /// The end of input: a last line without its line end, and an event without its blank line.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !pending.isEmpty {
            let line = pending
            pending = []
            line.withUnsafeBufferPointer { processLine($0, into: &events) }
        }
        if hasData { events.append(dispatch()) }
        return events
    }

    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        if line.isEmpty {
            if hasData {
                events.append(dispatch())
            } else {
                event = nil  // an event with no data is dropped, as the standard says
            }
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // a comment or a heartbeat
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        var valueStart = Swift.min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<line.count])
        if Self.spells(name, "data") {
            if hasData, dataLines == 1, let isCompleteData, isCompleteData(data) { events.append(dispatch()) }
            if hasData { data.append(0x0A) }
            dataLines += 1
            data.append(contentsOf: value)
            hasData = true
        } else if Self.spells(name, "event") {
            if hasData { events.append(dispatch()) }
            // A stream repeats a few names: the last one is reused rather than made again.
            if let last = lastEventName, Self.same(value, last.bytes) {
                event = last.name
            } else {
                let name = String(decoding: value, as: UTF8.self)
                (event, lastEventName) = (name, (name, Array(value)))
            }
        } else if Self.spells(name, "id") {
            id = String(decoding: value, as: UTF8.self)
        } else if Self.spells(name, "status") {
            status = Int(String(decoding: value, as: UTF8.self).trimmingSpaces)
        }
        // Other fields (`retry:`) mean nothing here.
    }

    /// Whether a field name is `literal` (compared as bytes: a generic comparison with a
    /// string's UTF-8 view costs more than the line).
    private static func spells(_ name: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        name.count == literal.utf8CodeUnitCount && memcmp(name.baseAddress!, literal.utf8Start, name.count) == 0
    }

    private static func same(_ value: UnsafeBufferPointer<UInt8>, _ bytes: [UInt8]) -> Bool {
        value.count == bytes.count && (value.isEmpty || memcmp(value.baseAddress!, bytes, value.count) == 0)
    }

    private mutating func dispatch() -> SSEEvent {
        let result = SSEEvent(event: event, data: data, id: id, status: status)
        event = nil
        data = []
        hasData = false
        dataLines = 0
        return result
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
