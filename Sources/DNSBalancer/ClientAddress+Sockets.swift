import Glibc
import NIOCore

extension ClientAddress {
    /// From a `sockaddr_storage` as the kernel filled it (nil for a family other than IPv4 and IPv6).
    init?(storage: UnsafeRawPointer) {
        switch Int32(storage.load(as: sa_family_t.self)) {
        case AF_INET:
            let address = storage.load(as: sockaddr_in.self).sin_addr
            guard let client = withUnsafeBytes(of: address, { ClientAddress(bytes: $0) }) else { return nil }
            self = client
        case AF_INET6:
            let address = storage.load(as: sockaddr_in6.self).sin6_addr
            guard let client = withUnsafeBytes(of: address, { ClientAddress(bytes: $0) }) else { return nil }
            self = client
        default:
            return nil
        }
    }

    /// The address a NIO channel's peer has (nil for a Unix socket or none).
    init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            guard let client = withUnsafeBytes(of: v4.address.sin_addr, { ClientAddress(bytes: $0) }) else { return nil }
            self = client
        case .v6(let v6):
            guard let client = withUnsafeBytes(of: v6.address.sin6_addr, { ClientAddress(bytes: $0) }) else { return nil }
            self = client
        default:
            return nil
        }
    }
}
