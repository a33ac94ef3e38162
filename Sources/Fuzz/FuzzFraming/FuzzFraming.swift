// libFuzzer target for the transport's input path: FrameParser fed the bytes, then every frame
// parsed and decoded into messages as Connection does. The first input byte picks the framing and
// the message cap; the rest is the stream. Invariants:
// - the same frames come out whether the bytes arrive all at once, one at a time, or in chunks;
// - the parser never holds more than the cap (plus a header line) between feeds;
// - a decoded message written back as an outgoing message decodes to the same message.
// Build and run: see Tests/Fuzz/README.md. Without ASSISTD_FUZZ this is a tiny main saying so.
import JSONCore
import JSONRPC

#if ASSISTD_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFraming(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let selector = data[0]
    let framing = FramingSelection.allCases[Int(selector % 3)]
    let cap = [16, 200, 4096, 1 << 20][Int(selector / 3 % 4)]
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    let whole = frames(of: stream, framing: framing, cap: cap, chunkSizes: [stream.count])
    let byteByByte = frames(of: stream, framing: framing, cap: cap, chunkSizes: [1])
    // Uneven chunks, derived from the input so a failing case reproduces.
    let chunked = frames(of: stream, framing: framing, cap: cap, chunkSizes: [Int(selector % 7) + 2, 1, Int(selector % 13) + 3])
    guard whole == byteByByte else { fatalError("byte-at-a-time framing differs from all-at-once:\n\(whole)\n\(byteByByte)") }
    guard whole == chunked else { fatalError("chunked framing differs from all-at-once:\n\(whole)\n\(chunked)") }

    for event in whole {
        guard case .message(let body) = event else { continue }
        guard body.count <= cap else { fatalError("a \(body.count)-byte message passed the \(cap)-byte cap") }
        guard let value = try? JSONValue.parse(body) else { continue }
        if case .array(let elements) = value {
            elements.forEach(checkDecoding)
        } else {
            checkDecoding(value)
        }
    }
    return 0
}

/// Feeds `stream` in chunks cycling through `chunkSizes`, then ends the input.
private func frames(of stream: [UInt8], framing: FramingSelection, cap: Int, chunkSizes: [Int]) -> [FrameEvent] {
    var parser = FrameParser(framing: framing, maxMessageBytes: cap)
    var events: [FrameEvent] = []
    stream.withUnsafeBufferPointer { buffer in
        var start = 0
        var turn = 0
        while start < buffer.count {
            let end = min(buffer.count, start + max(1, chunkSizes[turn % chunkSizes.count]))
            events += parser.feed(UnsafeBufferPointer(rebasing: buffer[start..<end]))
            // Bounded memory: a message body up to the cap (a line may hold one byte more, its
            // '\r'), or one header line.
            guard parser.bufferedByteCount <= max(cap + 1, 8 * 1024) else {
                fatalError("the parser holds \(parser.bufferedByteCount) bytes with a cap of \(cap)")
            }
            start = end
            turn += 1
        }
    }
    return events + parser.finish()
}

/// Decodes one message as Connection does and checks that writing it back reads the same.
private func checkDecoding(_ value: JSONValue) {
    guard case .success(let message) = IncomingMessage.decode(value) else { return }
    let outgoing: OutgoingMessage
    switch message {
    case .request(let request): outgoing = .request(id: request.id, method: request.method, params: request.params)
    case .notification(let method, let params): outgoing = .notification(method: method, params: params)
    case .response(let id, let outcome): outgoing = .response(id: id, outcome: outcome)
    }
    guard case .success(let again) = IncomingMessage.decode(outgoing.json), again.sameMessage(as: message) else {
        fatalError("a decoded message written back does not decode to itself: \(value)")
    }
}

extension IncomingMessage {
    fileprivate func sameMessage(as other: IncomingMessage) -> Bool {
        switch (self, other) {
        case (.request(let a), .request(let b)): return a.id == b.id && a.method == b.method && a.params == b.params
        case (.notification(let m1, let p1), .notification(let m2, let p2)): return m1 == m2 && p1 == p2
        case (.response(let i1, let o1), .response(let i2, let o2)): return i1 == i2 && o1 == o2
        default: return false
        }
    }
}
#else
@main
enum FuzzFramingUsage {
    static func main() { print("FuzzFraming is a libFuzzer target: build and run it with Tests/Fuzz/fuzz.sh (Tests/Fuzz/README.md).") }
}
#endif
