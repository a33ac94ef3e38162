import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor's data lies in a memory-mapped GGUF file.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    public let type: GGMLType
    /// ggml order: dims[0] is the innermost (row length), dims[1] the row count.
    public let dims: [Int]
    /// Offset relative to the start of the data section.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
}

/// A GGUF v2/v3 file mapped read-only into memory. Tensor data is never copied:
/// `data(for:)` returns pointers into the mapping, which lives as long as this object.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    public let fileSize: Int
    private let base: UnsafeRawPointer
    private let tensorIndex: [String: Int]

    public init(path: String) throws {
        let (mapped, size) = try Self.map(path)
        let raw = UnsafeRawPointer(mapped)
        do {
            var parser = GGUFHeaderParser(base: raw, size: size)
            let header = try parser.parse()
            self.path = path
            self.version = header.version
            self.metadata = header.metadata
            self.tensors = header.tensors
            self.alignment = header.alignment
            self.dataOffset = header.dataOffset
            self.fileSize = size
            self.base = raw
            var index: [String: Int] = [:]
            for (i, t) in header.tensors.enumerated() { index[t.name] = i }
            self.tensorIndex = index
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), fileSize) }

    /// Only the metadata (the tokenizer's vocabulary, the architecture's settings), even of a file
    /// whose tensor types this engine cannot run.
    public static func metadata(path: String) throws -> [String: GGUFValue] {
        let (mapped, size) = try map(path)
        defer { munmap(mapped, size) }
        var parser = GGUFHeaderParser(base: UnsafeRawPointer(mapped), size: size)
        return try parser.parseMetadata().metadata
    }

    /// The whole file, mapped read-only; the caller unmaps it.
    private static func map(_ path: String) throws -> (UnsafeMutableRawPointer, Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        guard size >= 4 else { throw GGUFError.truncated(offset: 0, needed: 4, fileSize: size) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        return (mapped, size)
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Pointer to a tensor's bytes inside the mapping.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        base + dataOffset + tensor.offset
    }

    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError.missingTensor(name) }
        return t
    }

    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key]?.intValue else { throw GGUFError.missingKey(key) }
        return v
    }

    public func double(_ key: String) throws -> Double {
        guard let v = metadata[key]?.doubleValue else { throw GGUFError.missingKey(key) }
        return v
    }

    public func string(_ key: String) throws -> String {
        guard let v = metadata[key]?.stringValue else { throw GGUFError.missingKey(key) }
        return v
    }

    /// Advises the kernel that tensor data will be read (pages it in ahead of use).
    public func adviseWillNeed() {
        let start = UnsafeMutableRawPointer(mutating: base)
        _ = madvise(start, fileSize, Int32(MADV_WILLNEED))
    }
}

/// Reads the header (metadata and tensor table) with bounds checks at every step.
struct GGUFHeaderParser {
    let base: UnsafeRawPointer
    let size: Int
    var offset = 0

    init(base: UnsafeRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    struct Header {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    mutating func parse() throws -> Header {
        let (version, tensorCount, metadata) = try parseMetadata()
        var alignment = 32
        if let a = metadata["general.alignment"]?.intValue, a > 0, a & (a - 1) == 0 { alignment = a }
        var infos: [(String, [Int], UInt32, Int)] = []
        infos.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try string()
            let nDims: UInt32 = try scalar()
            guard nDims >= 1 && nDims <= 4 else { throw GGUFError.badTensorShape(tensor: name, detail: "\(nDims) dimensions") }
            var dims: [Int] = []
            for _ in 0..<nDims {
                let d: UInt64 = try scalar()
                guard let di = Int(exactly: d), di > 0, di < 1 << 40 else { throw GGUFError.badTensorShape(tensor: name, detail: "dimension \(d)") }
                dims.append(di)
            }
            let type: UInt32 = try scalar()
            let off: UInt64 = try scalar()
            guard let o = Int(exactly: off) else { throw GGUFError.tensorOutOfBounds(tensor: name) }
            infos.append((name, dims, type, o))
        }
        let dataOffset = (offset + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        for (name, dims, rawType, off) in infos {
            guard let type = GGMLType(rawValue: rawType), let layout = type.blockLayout else {
                throw GGUFError.unsupportedTensorType(tensor: name, type: GGMLType.describe(rawType))
            }
            guard dims[0] % layout.elements == 0 else {
                throw GGUFError.badTensorShape(tensor: name, detail: "row length \(dims[0]) is not a multiple of \(type.name)'s block size \(layout.elements)")
            }
            // Checked arithmetic: this module is built -Ounchecked, where a shape or offset from a
            // corrupt file would otherwise wrap around and pass the bounds check.
            guard let bytes = Self.byteCount(dims: dims, layout: layout) else { throw GGUFError.tensorOutOfBounds(tensor: name) }
            let (start, startOverflows) = dataOffset.addingReportingOverflow(off)
            let (end, endOverflows) = start.addingReportingOverflow(bytes)
            guard !startOverflows, !endOverflows, end <= size else { throw GGUFError.tensorOutOfBounds(tensor: name) }
            tensors.append(GGUFTensorInfo(name: name, type: type, dims: dims, offset: off, byteCount: bytes))
        }
        return Header(version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    /// The part of the header before the tensor table.
    mutating func parseMetadata() throws -> (version: UInt32, tensorCount: Int, metadata: [String: GGUFValue]) {
        let magic = try bytes(4)
        guard magic == [0x47, 0x47, 0x55, 0x46] else { throw GGUFError.badMagic(found: magic) }
        let version: UInt32 = try scalar()
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        let tensorCount = try count()
        let kvCount = try count()
        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try string()
            let type: UInt32 = try scalar()
            metadata[key] = try value(type: type, key: key, depth: 0)
        }
        return (version, tensorCount, metadata)
    }

    /// A tensor's size in bytes; nil when it does not fit in an Int.
    private static func byteCount(dims: [Int], layout: (elements: Int, bytes: Int)) -> Int? {
        var count = 1
        for dim in dims {
            let (product, overflows) = count.multipliedReportingOverflow(by: dim)
            if overflows { return nil }
            count = product
        }
        let (bytes, overflows) = (count / layout.elements).multipliedReportingOverflow(by: layout.bytes)
        return overflows ? nil : bytes
    }

    private mutating func need(_ n: Int) throws {
        guard n >= 0, offset + n <= size else { throw GGUFError.truncated(offset: offset, needed: n, fileSize: size) }
    }

    private mutating func bytes(_ n: Int) throws -> [UInt8] {
        try need(n)
        let out = Array(UnsafeRawBufferPointer(start: base + offset, count: n))
        offset += n
        return out
    }

    private mutating func scalar<T: FixedWidthInteger>() throws -> T {
        try need(MemoryLayout<T>.size)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    private mutating func count() throws -> Int {
        let v: UInt64 = try scalar()
        // Every counted item takes at least one byte, so a count above the file size is corrupt.
        guard v <= UInt64(size) else { throw GGUFError.truncated(offset: offset, needed: Int(clamping: v), fileSize: size) }
        return Int(v)
    }

    private mutating func string() throws -> String {
        let n = try count()
        try need(n)
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }

    private mutating func value(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try scalar() as UInt8))
        case 1: return .int(Int64(try scalar() as Int8))
        case 2: return .uint(UInt64(try scalar() as UInt16))
        case 3: return .int(Int64(try scalar() as Int16))
        case 4: return .uint(UInt64(try scalar() as UInt32))
        case 5: return .int(Int64(try scalar() as Int32))
        case 6: return .float(Double(Float(bitPattern: try scalar() as UInt32)))
        case 7: return .bool((try scalar() as UInt8) != 0)
        case 8: return .string(try string())
        case 9:
            guard depth < 4 else { throw GGUFError.badValueType(key: key, type: type) }
            let elemType: UInt32 = try scalar()
            let n = try count()
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(type: elemType, key: key, depth: depth + 1)) }
            return .array(items)
        case 10: return .uint(try scalar() as UInt64)
        case 11: return .int(try scalar() as Int64)
        case 12: return .float(Double(bitPattern: try scalar() as UInt64))
        default: throw GGUFError.badValueType(key: key, type: type)
        }
    }
}
