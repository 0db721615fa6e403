import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells at once whether something accepts connections at a unix socket or a TCP address.
/// The HTTP client keeps retrying a refused connection until the request's deadline; asking
/// first turns "dockerd down" or "registry down" into an immediate, clear failure.
public enum SocketReachability {
    /// nil when a connection is accepted, otherwise the reason.
    public static func unix(_ path: String) -> String? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return "socket path too long" }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return attempt(family: AF_UNIX) { fd in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
    }

    /// nil when `host:port` (an IPv4 address) accepts a TCP connection within a second.
    public static func tcp(host: String, port: Int) -> String? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return attempt(family: AF_INET) { fd in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    private static func attempt(family: Int32, _ connectCall: (Int32) -> Int32) -> String? {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return connectCall(fd) == 0 ? nil : String(cString: strerror(errno))
    }
}
