// libFuzzer target for JSONCore's parser. Invariants checked on every input that parses:
// serializing and parsing again gives the same value (numbers JSON cannot write, out-of-range
// ones parsed as infinity, aside), and a second round writes the same bytes as the first.
// Build and run: see Tests/Fuzz/README.md. Without ASSISTD_FUZZ this is a tiny main saying so.
import JSONCore

#if ASSISTD_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let written = value.serialized(sortedKeys: true)
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue.parse(written)
    } catch {
        fatalError("serialized JSON does not parse again: \(error)")
    }
    if value.isWritableExactly, reparsed != value { fatalError("parse → serialize → parse changed the value") }
    if reparsed.serialized(sortedKeys: true) != written { fatalError("a second serialization wrote other bytes") }
    // The compact, unsorted form must parse to the same value too.
    guard let unsorted = try? JSONValue.parse(value.serialized()), unsorted == reparsed else {
        fatalError("the unsorted serialization does not parse to the same value")
    }
    return 0
}

extension JSONValue {
    /// False when the value holds a number JSON cannot write (infinity is written as null).
    fileprivate var isWritableExactly: Bool {
        switch self {
        case .double(let number): return number.isFinite
        case .array(let elements): return elements.allSatisfy(\.isWritableExactly)
        case .object(let members): return members.values.allSatisfy(\.isWritableExactly)
        default: return true
        }
    }
}
#else
@main
enum FuzzJSONUsage {
    static func main() { print("FuzzJSON is a libFuzzer target: build and run it with Tests/Fuzz/fuzz.sh (Tests/Fuzz/README.md).") }
}
#endif
