// libFuzzer target for HTTPStreaming's SSEParser, in both of the service's configurations: the
// plain one (DashScope) and the one that also splits events at a whole JSON `data:` line (the
// OpenAI-compatible chat model). The first input byte picks the configuration and a chunk size.
// Invariant: the same events come out whether the bytes arrive all at once, one at a time, or
// in chunks; every event's data parses as JSON or not, without trapping.
// Build and run: see Tests/Fuzz/README.md. Without ASSISTD_FUZZ this is a tiny main saying so.
import HTTPStreaming
import JSONCore

#if ASSISTD_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let selector = data[0]
    let splitsAtWholeJSON = selector & 1 == 1
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    let whole = events(of: stream, splitsAtWholeJSON: splitsAtWholeJSON, chunkSize: max(stream.count, 1))
    let byteByByte = events(of: stream, splitsAtWholeJSON: splitsAtWholeJSON, chunkSize: 1)
    let chunked = events(of: stream, splitsAtWholeJSON: splitsAtWholeJSON, chunkSize: Int(selector >> 1) % 17 + 2)
    guard whole == byteByByte else { fatalError("byte-at-a-time SSE parsing differs from all-at-once:\n\(whole)\n\(byteByByte)") }
    guard whole == chunked else { fatalError("chunked SSE parsing differs from all-at-once:\n\(whole)\n\(chunked)") }
    for event in whole { _ = try? JSONValue.parse(event.data) }
    return 0
}

private func isCompleteData(_ data: [UInt8]) -> Bool {
    data.elementsEqual("[DONE]".utf8) || (try? JSONValue.parse(data)) != nil
}

private func events(of stream: [UInt8], splitsAtWholeJSON: Bool, chunkSize: Int) -> [SSEEvent] {
    var parser = splitsAtWholeJSON ? SSEParser(isCompleteData: isCompleteData) : SSEParser()
    var events: [SSEEvent] = []
    var start = 0
    while start < stream.count {
        let end = min(stream.count, start + chunkSize)
        events += parser.feed(stream[start..<end])
        start = end
    }
    return events + parser.finish()
}
#else
@main
enum FuzzSSEUsage {
    static func main() { print("FuzzSSE is a libFuzzer target: build and run it with Tests/Fuzz/fuzz.sh (Tests/Fuzz/README.md).") }
}
#endif
