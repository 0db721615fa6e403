/// Where a query's client is, as the region lookup reads it: an IPv4 or IPv6 address, its
/// bits from the left of a `UInt128` (an IPv4 address in the top 32 bits, an IPv4-mapped
/// IPv6 address as IPv4), without allocating on the query path.
public struct ClientAddress: Sendable, Hashable {
    public enum Family: UInt16, Sendable {
        case ipv4 = 1
        case ipv6 = 2

        /// Bits in an address of the family.
        var width: Int { self == .ipv4 ? 32 : 128 }
    }

    public let family: Family
    /// The address bits, left-aligned.
    public let bits: UInt128

    public init(family: Family, bits: UInt128) {
        self.family = family
        self.bits = bits
    }

    /// From network-order bytes: 4 for IPv4, 16 for IPv6; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        if bytes.count == 4 {
            self.init(family: .ipv4, bits: value << 96)
        } else if value >> 32 == 0xFFFF {
            self.init(family: .ipv4, bits: (value & 0xFFFF_FFFF) << 96)
        } else {
            self.init(family: .ipv6, bits: value)
        }
    }

    /// Bit `index` from the left (0 is the most significant).
    @inline(__always)
    func bit(_ index: Int) -> Int {
        Int(truncatingIfNeeded: bits >> UInt128(127 - index)) & 1
    }
}
