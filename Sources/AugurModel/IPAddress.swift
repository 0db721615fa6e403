/// An IPv4 or IPv6 address as raw network-order bytes, parsed without touching the network.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    public init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let value = Self.parseV6(text) else { return nil }
            self = .v6(value)
        } else {
            guard let value = Self.parseV4(text) else { return nil }
            self = .v4(value)
        }
    }

    /// The address from network-order bytes: 4 for IPv4, 16 for IPv6.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(bytes.reduce(0) { $0 << 8 | UInt128($1) })
        default: return nil
        }
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let value): return (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
        }
    }

    public var isLoopback: Bool {
        switch self {
        case .v4(let value): return value >> 24 == 127
        case .v6(let value): return value == 1
        }
    }

    public var description: String {
        switch self {
        case .v4: return bytes.map(String.init).joined(separator: ".")
        case .v6(let value):
            return (0..<8).map { String(UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)), radix: 16) }.joined(separator: ":")
        }
    }

    /// Four dotted decimal octets of one to three digits each, read byte by byte (this runs
    /// for every instance every edge reports).
    private static func parseV4(_ text: String) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, parts) = (0, 0, parts + 1)
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard octet <= 255 else { return nil }
                digits += 1
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | octet
    }

    private static func parseV6(_ text: String) -> UInt128? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}

/// A network prefix with no host bits set: the subnet that instances of one runtime at one
/// node take their addresses from, or a region's coverage zone of clients.
public struct IPPrefix: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]) else { return nil }
        let width: Int
        switch address { case .v4: width = 32; case .v6: width = 128 }
        guard (0...width).contains(length) else { return nil }
        network = address
        prefixLength = length
        guard contains(address), host(address) == 0 else { return nil }
    }

    /// The subnet of `prefixLength` that holds `address`.
    public init?(containing address: IPAddress, prefixLength: Int) {
        switch address {
        case .v4(let value):
            guard (0...32).contains(prefixLength) else { return nil }
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
            self.init("\(IPAddress.v4(value & mask))/\(prefixLength)")
        case .v6(let value):
            guard (0...128).contains(prefixLength) else { return nil }
            let mask: UInt128 = prefixLength == 0 ? 0 : ~UInt128(0) << (128 - prefixLength)
            self.init("\(IPAddress.v6(value & mask))/\(prefixLength)")
        }
    }

    /// Whether `address` lies inside this pool.
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address) {
        case (.v4(let net), .v4(let value)):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
            return net & mask == value & mask
        case (.v6(let net), .v6(let value)):
            let mask: UInt128 = prefixLength == 0 ? 0 : ~UInt128(0) << (128 - prefixLength)
            return net & mask == value & mask
        default:
            return false
        }
    }

    /// The pool's host addresses in order, at most `limit` of them; for IPv4 without the
    /// network and broadcast addresses.
    public func hostAddresses(limit: Int) -> [IPAddress] {
        switch network {
        case .v4(let net):
            let size = prefixLength >= 31 ? UInt64(1) << UInt64(32 - prefixLength) : (UInt64(1) << UInt64(32 - prefixLength)) - 2
            let first: UInt64 = prefixLength >= 31 ? 0 : 1
            return (0..<min(UInt64(max(limit, 0)), size)).map { .v4(net &+ UInt32(first + $0)) }
        case .v6(let net):
            let size: UInt128 = prefixLength == 0 ? UInt128.max : UInt128(1) << UInt128(128 - prefixLength)
            return (0..<min(UInt128(max(limit, 0)), size - 1)).map { .v6(net &+ 1 &+ $0) }
        }
    }

    /// Whether the two pools share any address.
    public func overlaps(_ other: IPPrefix) -> Bool {
        prefixLength <= other.prefixLength ? contains(other.network) : other.contains(network)
    }

    /// Whether every address of the pool is a loopback address.
    public var isLoopback: Bool {
        switch network {
        case .v4(let value): return value >> 24 == 127 && prefixLength >= 8
        case .v6: return network.isLoopback && prefixLength == 128
        }
    }

    private func host(_ address: IPAddress) -> UInt128 {
        switch address {
        case .v4(let value):
            return prefixLength == 32 ? 0 : UInt128(value & (~UInt32(0) >> prefixLength))
        case .v6(let value):
            return prefixLength == 128 ? 0 : value & (~UInt128(0) >> prefixLength)
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// A host and port to listen on or connect to, such as "127.0.0.1:5353" or "[::1]:53".
public struct SocketEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let port: Int

    public init(address: IPAddress, port: Int) {
        self.address = address
        self.port = port
    }

    public init?(_ text: String) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(String(host)), let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(address: address, port: port)
    }

    public var description: String {
        switch address {
        case .v4: return "\(address):\(port)"
        case .v6: return "[\(address)]:\(port)"
        }
    }
}

extension IPAddress {
    public var isV6: Bool {
        if case .v6 = self { return true }
        return false
    }
}
