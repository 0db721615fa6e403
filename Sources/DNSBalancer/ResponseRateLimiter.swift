import AugurModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Response rate limiting for UDP (see `DNSSettings.RateLimit`), shared by every worker
/// thread: a fixed table of buckets, one 64-bit word each (an 8-bit tag of the source prefix,
/// the 32-bit second, a 24-bit count in that second), updated with compare-and-swap, so the
/// hot path takes no lock and allocates nothing.
///
/// Nobody outside can aim at a bucket: the hash is keyed by a secret drawn when the limiter
/// is made. Each prefix has two buckets to choose from; it takes over only a bucket whose
/// count is from an earlier second, and when both hold another prefix's count in this second
/// it adds to the smaller one. So a collision may raise a count, never lower one: a prefix
/// that collides with a victim's cannot reset the victim's count. A 32-bit second does not
/// wrap into an old count (136 years).
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
    /// The hash's key, this limiter's own.
    private let secret: (UInt64, UInt64)
    private static let countMask: UInt64 = 0xFF_FFFF

    /// `bucketBits` sizes the table (2^bits buckets, 1…24); 16 is 65 536 prefixes at once.
    public init(_ settings: DNSSettings.RateLimit, bucketBits: Int = 16) {
        self.settings = settings
        self.bucketBits = min(max(bucketBits, 1), 24)
        var random = SystemRandomNumberGenerator()
        secret = (random.next(), random.next())
        let count = 1 << self.bucketBits
        buckets = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: count)
        for index in 0..<count { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: 1 << bucketBits)
        buckets.deallocate()
    }

    /// The two buckets and the tag of `key` under this limiter's secret.
    func place(_ key: UInt64) -> (first: Int, second: Int, tag: UInt64) {
        var hasher = Hasher()
        hasher.combine(secret.0)
        hasher.combine(key)
        hasher.combine(secret.1)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        let mask = UInt64(1 << bucketBits - 1)
        return (Int(hash & mask), Int((hash >> 24) & mask), hash >> 56)
    }

    /// The verdict for a query from the source prefix `key` (see `SourcePrefix`) in `second`
    /// (any monotonic count of seconds). A key of 0 (source unknown) is never limited.
    public func verdict(for key: UInt64, second: UInt32) -> Verdict {
        guard settings.isOn, key != 0 else { return .answer }
        let (first, other, tag) = place(key)
        let stamp = UInt64(second)
        func word(count: UInt64) -> UInt64 { tag << 56 | stamp << 24 | count }
        func isCurrent(_ word: UInt64) -> Bool { (word >> 24) & 0xFFFF_FFFF == stamp && word != 0 }
        var count: UInt64
        while true {
            let a = buckets[first].load(ordering: .relaxed)
            let b = buckets[other].load(ordering: .relaxed)
            // Ours this second; else one from an earlier second to take over; else the smaller count to share.
            let slot: Int
            let old: UInt64
            if isCurrent(a), a >> 56 == tag {
                (slot, old) = (first, a)
            } else if isCurrent(b), b >> 56 == tag {
                (slot, old) = (other, b)
            } else if !isCurrent(a) {
                (slot, old) = (first, a)
            } else if !isCurrent(b) {
                (slot, old) = (other, b)
            } else {
                (slot, old) = a & Self.countMask <= b & Self.countMask ? (first, a) : (other, b)
            }
            let desired: UInt64
            if isCurrent(old) {
                count = min((old & Self.countMask) + 1, Self.countMask)
                desired = old & ~Self.countMask | count
            } else {
                count = 1
                desired = word(count: 1)
            }
            if buckets[slot].compareExchange(expected: old, desired: desired, ordering: .relaxed).exchanged { break }
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
