#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writes all bytes to a file descriptor, retrying short writes and EINTR. Returns false when
/// the descriptor fails (`errno` says why) or accepts nothing.
@discardableResult
public func writeAll(_ fileDescriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        if written == 0 { return false }
        offset += written
    }
    return true
}

@discardableResult
public func writeAll(_ fileDescriptor: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fileDescriptor, $0) }
}

@discardableResult
public func writeAll(_ fileDescriptor: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
    bytes.withUnsafeBytes { writeAll(fileDescriptor, $0) }
}
