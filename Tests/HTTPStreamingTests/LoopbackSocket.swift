import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The sockets the in-test servers use: TCP on 127.0.0.1, on a port the system picks.
enum LoopbackSocket {
    /// A socket listening with `backlog`, and its port.
    static func listening(backlog: Int32) throws -> (fd: Int32, port: Int) {
        let fd = try bound()
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return (fd, port(of: fd))
    }

    /// A port nothing listens on (bound, then closed).
    static func unusedPort() throws -> Int {
        let probe = try bound()
        defer { close(probe) }
        return port(of: probe)
    }

    private static func bound() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return fd
    }

    private static func port(of socket: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
