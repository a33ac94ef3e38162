#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writes as much of `bytes` as the descriptor takes without blocking, and returns how much that
/// was: pieces of at most `PIPE_BUF` bytes, each once `poll` says there is room (a write that
/// small into a pipe or socket with room never blocks). The descriptor stays in blocking mode:
/// it is shared with whoever else holds it. Stops at the first piece that would wait or fails;
/// the caller hands the rest to a writer that may block (and reports the failure).
func writeWhileWritable(_ fileDescriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    var offset = 0
    while offset < bytes.count {
        var ready = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
        let count = poll(&ready, 1, 0)
        if count < 0 && errno == EINTR { continue }
        guard count == 1, ready.revents & Int16(POLLOUT) != 0, ready.revents & Int16(POLLERR | POLLHUP) == 0 else { break }
        let written = write(fileDescriptor, bytes.baseAddress! + offset, min(pipeAtomicBytes, bytes.count - offset))
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { break }
        offset += written
    }
    return offset
}

/// POSIX's `PIPE_BUF` on Linux (and its minimum anywhere is 512; macOS's is 512 too, where a
/// piece this big may be written in part, which the loop handles).
private let pipeAtomicBytes = 4096
