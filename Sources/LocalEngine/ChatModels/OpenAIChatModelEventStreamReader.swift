import JSONCore

extension OpenAIChatModel {
    /// Splits a `text/event-stream` body, fed in arbitrary pieces, into events: the joined
    /// `data:` fields plus the `event:` name if any. Lines end in LF, CRLF or CR; comments
    /// (`:`…), `id:` and `retry:` are skipped. Some servers leave out the blank line between
    /// events, so a `data:` line that follows a complete JSON payload starts a new event.
    struct EventStreamReader {
        struct Event: Equatable {
            var name: String?
            var data: [UInt8]
        }

        private var line: [UInt8] = []
        private var lastByteWasCR = false
        private var eventName: String?
        private var dataLines: [[UInt8]] = []

        mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
            var events: [Event] = []
            for byte in bytes {
                if byte == 0x0A, lastByteWasCR {
                    lastByteWasCR = false
                    continue
                }
                lastByteWasCR = byte == 0x0D
                if byte == 0x0A || byte == 0x0D {
                    endLine(into: &events)
                } else {
                    line.append(byte)
                }
            }
            return events
        }

        /// The body ended: whatever is pending counts as a last event.
        mutating func finish() -> [Event] {
            var events: [Event] = []
            if !line.isEmpty { endLine(into: &events) }
            dispatch(into: &events)
            return events
        }

        private mutating func endLine(into events: inout [Event]) {
            defer { line.removeAll(keepingCapacity: true) }
            if line.isEmpty {
                dispatch(into: &events)
                return
            }
            if line.first == UInt8(ascii: ":") { return }
            let field: ArraySlice<UInt8>
            var value: ArraySlice<UInt8>
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                field = line[..<colon]
                value = line[(colon + 1)...]
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            } else {
                field = line[...]
                value = []
            }
            switch String(decoding: field, as: UTF8.self) {
            case "data":
                if !dataLines.isEmpty, Self.isCompletePayload(dataLines) { dispatch(into: &events) }
                dataLines.append(Array(value))
            case "event":
                eventName = String(decoding: value, as: UTF8.self)
            default:
                break
            }
        }

        private mutating func dispatch(into events: inout [Event]) {
            defer {
                dataLines.removeAll()
                eventName = nil
            }
            guard !dataLines.isEmpty else { return }
            var data = dataLines[0]
            for more in dataLines.dropFirst() {
                data.append(0x0A)
                data.append(contentsOf: more)
            }
            events.append(Event(name: eventName, data: data))
        }

        private static func isCompletePayload(_ lines: [[UInt8]]) -> Bool {
            guard lines.count == 1 else { return false }
            if lines[0] == Array("[DONE]".utf8) { return true }
            return (try? JSONValue.parse(lines[0])) != nil
        }
    }
}
