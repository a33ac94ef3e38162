import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// glibc functions that Swift's Glibc module does not import (they need _GNU_SOURCE), looked up
/// once at run time.
enum GNUExtensions {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private nonisolated(unsafe) static let handle = dlopen(nil, RTLD_NOW)
    private static let pipe2Function = dlsym(handle, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    private static let addChdirFunction = dlsym(handle, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    /// A pipe whose ends are close-on-exec from birth, so no child spawned meanwhile by another
    /// thread inherits them (`pipe` then `fcntl` where pipe2 is missing).
    static func closeOnExecPipe(_ ends: UnsafeMutablePointer<Int32>) -> Bool {
        if let pipe2Function { return pipe2Function(ends, O_CLOEXEC) == 0 }
        guard pipe(ends) == 0 else { return false }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Adds a chdir to the spawn's actions; false where the C library cannot (glibc before 2.29).
    static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Bool {
        guard let addChdirFunction else { return false }
        return path.withCString { addChdirFunction(actions, $0) } == 0
    }
}
