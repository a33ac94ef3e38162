/// GPT-2's reversible map between bytes and printable Unicode scalars, used by
/// byte-level BPE vocabularies: token texts are strings of these scalars.
enum ByteLevelEncoding {
    /// byte -> scalar
    static let byteToScalar: [Unicode.Scalar] = {
        var printable: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = [Int](repeating: 0, count: 256)
        for b in printable { scalars[b] = b }
        var next = 0
        for b in 0..<256 where !printable.contains(b) {
            scalars[b] = 256 + next
            next += 1
            printable.append(b)
        }
        return scalars.map { Unicode.Scalar(UInt32($0))! }
    }()

    /// scalar value -> byte, for the 256 scalars above.
    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// Decodes a byte-level token text back to raw bytes; nil if a scalar is outside the map.
    static func bytes(ofTokenText text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
