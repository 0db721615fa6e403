import Synchronization

/// The names in the zone that clients asked for and that name no content (answered
/// NXDOMAIN), most asked first: a typo in a client's configuration, or a content the
/// catalog lacks, shows here. At most `capacity` names are followed (the space-saving
/// algorithm: a new name takes the place of the least asked one, with its count plus one),
/// so a flood of random names costs bounded memory; the counts of the names it keeps are
/// exact until the table is full, and over-estimate by at most the evicted count after.
public final class UnknownNames: Sendable {
    /// One followed name and how often it was asked (an upper bound once the table was full).
    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var count: Int

        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    private let table = Mutex<[String: Int]>([:])
    let capacity: Int

    public init(capacity: Int = 128) {
        self.capacity = max(1, capacity)
    }

    /// Counts one lookup of `wireName` (uncompressed wire format, as the query carried it).
    func record(wireName: UnsafeRawBufferPointer) {
        let name = Self.text(wireName)
        table.withLock { table in
            if let count = table[name] {
                table[name] = count + 1
            } else if table.count < capacity {
                table[name] = 1
            } else if let least = table.min(by: { $0.value < $1.value }) {
                table.removeValue(forKey: least.key)
                table[name] = least.value + 1
            }
        }
    }

    /// The `limit` most asked names, most asked first.
    public func top(_ limit: Int) -> [Entry] {
        table.withLock { table in
            table.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { Entry(name: $0.key, count: $0.value) }
        }
    }

    /// The name as dig prints it, lowercased, with bytes outside letters, digits, `-` and
    /// `_` escaped as `\DDD`.
    static func text(_ wire: UnsafeRawBufferPointer) -> String {
        var out = ""
        var index = 0
        while index < wire.count {
            let length = Int(wire[index])
            guard length > 0, length < 64, index + 1 + length <= wire.count else { break }
            for byte in wire[(index + 1)...(index + length)] {
                let lower = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                switch lower {
                case 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F: out.unicodeScalars.append(Unicode.Scalar(lower))
                default: out += "\\" + String(repeating: "0", count: byte < 10 ? 2 : byte < 100 ? 1 : 0) + String(byte)
                }
            }
            out += "."
            index += 1 + length
        }
        return out.isEmpty ? "." : out
    }
}
