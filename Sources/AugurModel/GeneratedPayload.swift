/// The bytes of a `source: generated` content object: a SplitMix64 stream from the item's
/// seed, so every machine (core, edges, image builds, clients checking downloads) derives
/// the same object from the catalog alone, and nothing generated is committed.
public struct GeneratedPayload: Sendable {
    public let seed: UInt64
    public let size: Int

    public init(seed: UInt64, size: Int) {
        self.seed = seed
        self.size = max(0, size)
    }

    /// The payload of `item`, or nil when its bytes come from a file.
    public init?(_ item: ContentItem) {
        guard case .generated(let seed) = item.source else { return nil }
        self.init(seed: seed, size: item.sizeBytes)
    }

    /// Bytes `offset ..< offset + count` of the payload (clamped to its size), so large
    /// objects can be produced or checked in chunks.
    public func bytes(from offset: Int = 0, count: Int? = nil) -> [UInt8] {
        let start = min(max(0, offset), size)
        let end = min(size, start + (count ?? size))
        guard end > start else { return [] }
        var out = [UInt8]()
        out.reserveCapacity(end - start)
        var word = start / 8
        var value = Self.mix(seed &+ UInt64(word) &* 0x9E37_79B9_7F4A_7C15)
        for position in start..<end {
            if position / 8 != word {
                word = position / 8
                value = Self.mix(seed &+ UInt64(word) &* 0x9E37_79B9_7F4A_7C15)
            }
            out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(position % 8))))
        }
        return out
    }

    /// SplitMix64's finaliser: the n-th output of the stream seeded with `seed` is mix(seed + n·γ).
    private static func mix(_ input: UInt64) -> UInt64 {
        var z = input &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
