import Foundation
@testable import Inference

/// Blocks of one quantisation type with their numpy dequantisation (Fixtures/quants,
/// written by make_quant_fixtures.py): real rows of the source tensor first, then
/// random blocks.
struct QuantFixture {
    let type: GGMLType
    let blocks: [UInt8]
    let values: [Float]
    let rowLength: Int
    let realRows: Int

    init(_ type: GGMLType) throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/quants")
        self.type = type
        blocks = [UInt8](try Data(contentsOf: dir.appendingPathComponent("\(type.name).blocks")))
        let raw = try Data(contentsOf: dir.appendingPathComponent("\(type.name).f32"))
        values = raw.withUnsafeBytes { b in (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("index.json"))) as? [String: Any]
        guard let entry = (index?["types"] as? [String: Any])?[type.name] as? [String: Any],
              let rowLength = entry["row_length"] as? Int, let realRows = entry["real_rows"] as? Int else {
            throw CocoaError(.fileReadCorruptFile)
        }
        self.rowLength = rowLength
        self.realRows = realRows
    }

    var layout: (elements: Int, bytes: Int) { type.blockLayout! }
    var blockCount: Int { blocks.count / layout.bytes }
    var rowBytes: Int { rowLength / layout.elements * layout.bytes }

    /// The real rows' bytes (`realRows` rows of `rowLength` elements).
    var realRowBytes: [UInt8] { Array(blocks[0..<realRows * rowBytes]) }
}
