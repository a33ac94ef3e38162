import Foundation

/// Why a GGUF file could not be read or used.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: [UInt8])
    case unsupportedVersion(UInt32)
    case truncated(offset: Int, needed: Int, fileSize: Int)
    case badValueType(key: String, type: UInt32)
    case unsupportedTensorType(tensor: String, type: String)
    case tensorOutOfBounds(tensor: String)
    case badTensorShape(tensor: String, detail: String)
    case missingKey(String)
    case missingTensor(String)
    case unsupportedModel(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open GGUF file \(path): \(reason)"
        case let .badMagic(found):
            "not a GGUF file: magic bytes are \(found.map { String(format: "%02x", $0) }.joined(separator: " ")), expected 47 47 55 46 (\"GGUF\")"
        case let .unsupportedVersion(v): "unsupported GGUF version \(v) (this reader handles versions 2 and 3)"
        case let .truncated(offset, needed, size): "GGUF file truncated: needed \(needed) bytes at offset \(offset) but the file has \(size)"
        case let .badValueType(key, type): "GGUF metadata key '\(key)' has unknown value type \(type)"
        case let .unsupportedTensorType(tensor, type):
            "tensor '\(tensor)' has type \(type), which this engine does not support (supported: \(GGMLType.supported.map(\.name).joined(separator: ", ")))"
        case let .tensorOutOfBounds(tensor): "tensor '\(tensor)' lies outside the file's data section"
        case let .badTensorShape(tensor, detail): "tensor '\(tensor)' has an unexpected shape: \(detail)"
        case let .missingKey(key): "GGUF metadata key '\(key)' is missing"
        case let .missingTensor(name): "tensor '\(name)' is missing from the GGUF file"
        case let .unsupportedModel(detail): "unsupported model: \(detail)"
        }
    }
}
