#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writes all bytes to a file descriptor, retrying short writes and EINTR. Returns false when
/// the descriptor fails (`errno` says why).
@discardableResult
public func writeAll(_ fileDescriptor: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw -> Bool in
        var offset = 0
        while offset < raw.count {
            let written = write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            if written == 0 { return false }
            offset += written
        }
        return true
    }
}
