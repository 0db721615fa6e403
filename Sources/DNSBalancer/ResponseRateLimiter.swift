import AugurModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Response rate limiting for UDP (see `DNSSettings.RateLimit`), shared by every worker
/// thread: a fixed table of buckets, one 64-bit word each (a tag of the source prefix, the
/// second, the count in that second), updated with one compare-and-swap, so the hot path
/// takes no lock and allocates nothing. Two prefixes that hash to one bucket take turns:
/// the newer one resets it, so a collision can only loosen the limit, never tighten it.
/// (`@unchecked`: the table is reached only through its atomics, and freed on deinit.)
public final class ResponseRateLimiter: @unchecked Sendable {
    /// What to do with one query.
    public enum Verdict: Sendable, Hashable {
        case answer
        /// Answer with an empty truncated (TC) response, so the client retries over TCP.
        case slip
        case drop
    }

    public let settings: DNSSettings.RateLimit
    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>
    private let bucketBits: Int

    /// `bucketBits` sizes the table (2^bits buckets); 16 is 65 536 prefixes at once.
    public init(_ settings: DNSSettings.RateLimit, bucketBits: Int = 16) {
        self.settings = settings
        self.bucketBits = bucketBits
        let count = 1 << bucketBits
        buckets = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: count)
        for index in 0..<count { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: 1 << bucketBits)
        buckets.deallocate()
    }

    /// The verdict for a query from the source prefix `key` (see `SourcePrefix`) in `second`
    /// (any monotonic count of seconds). A key of 0 (source unknown) is never limited.
    public func verdict(for key: UInt64, second: UInt32) -> Verdict {
        guard settings.isOn, key != 0 else { return .answer }
        let hash = key &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(hash >> UInt64(64 - bucketBits))
        let tag = UInt64(UInt16(truncatingIfNeeded: hash >> 8))
        let stamp = UInt64(UInt16(truncatingIfNeeded: second))
        var old = buckets[slot].load(ordering: .relaxed)
        var count: UInt64
        while true {
            let same = old >> 48 == tag && (old >> 32) & 0xFFFF == stamp
            count = same ? min((old & 0xFFFF_FFFF) + 1, 0xFFFF_FFFF) : 1
            let (exchanged, actual) = buckets[slot].compareExchange(expected: old, desired: tag << 48 | stamp << 32 | count, ordering: .relaxed)
            if exchanged { break }
            old = actual
        }
        guard count > UInt64(settings.rate) else { return .answer }
        let over = count - UInt64(settings.rate)
        return settings.slip > 0 && over % UInt64(settings.slip) == 0 ? .slip : .drop
    }

    /// Seconds of the coarse monotonic clock: what the listeners pass as `second`.
    public static func currentSecond() -> UInt32 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return UInt32(truncatingIfNeeded: now.tv_sec)
    }
}

/// The rate-limiting key of a source address: its /24 for IPv4 (IPv4-mapped IPv6 too), its
/// /56 for IPv6, with the family in the top byte; 0 for anything else.
public enum SourcePrefix {
    public static func key(ipv4 bytes: (UInt8, UInt8, UInt8)) -> UInt64 {
        0x04 << 56 | UInt64(bytes.0) << 16 | UInt64(bytes.1) << 8 | UInt64(bytes.2)
    }

    /// From the 16 bytes of an IPv6 address.
    public static func key(ipv6 bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard bytes.count == 16 else { return 0 }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return key(ipv4: (bytes[12], bytes[13], bytes[14]))
        }
        return bytes.prefix(7).reduce(UInt64(0x06)) { $0 << 8 | UInt64($1) }
    }

    /// From a `sockaddr_storage` as the kernel filled it.
    public static func key(_ storage: UnsafeRawPointer) -> UInt64 {
        switch Int32(storage.load(as: sa_family_t.self)) {
        case AF_INET:
            let address = storage.load(as: sockaddr_in.self).sin_addr.s_addr
            let bytes = withUnsafeBytes(of: address) { ($0[0], $0[1], $0[2]) }
            return key(ipv4: bytes)
        case AF_INET6:
            var address = storage.load(as: sockaddr_in6.self).sin6_addr
            return withUnsafeBytes(of: &address) { key(ipv6: $0) }
        default:
            return 0
        }
    }
}
