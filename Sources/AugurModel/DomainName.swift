/// A fully qualified DNS name in canonical (lower-case, trailing dot) form, validated
/// once so that the DNS balancer can trust every name the configuration gives it.
public struct DomainName: Sendable, Hashable, CustomStringConvertible {
    /// The labels, lower-cased, without the root.
    public let labels: [String]

    public init?(_ text: String) {
        var body = text.lowercased()
        if body.hasSuffix(".") { body.removeLast() }
        if body.isEmpty { labels = []; return }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy(Self.isValidLabel) else { return nil }
        guard parts.reduce(1, { $0 + $1.utf8.count + 1 }) <= 255 else { return nil }
        labels = parts
    }

    public init?(labels: [String]) {
        self.init(labels.joined(separator: "."))
    }

    /// Whether `label` is a host-name label: 1–63 letters, digits or hyphens, not starting or ending with a hyphen.
    public static func isValidLabel(_ label: String) -> Bool {
        let bytes = Array(label.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
    }

    /// This name with `label` prepended.
    public func prepending(_ label: String) -> DomainName? {
        DomainName(labels: [label] + labels)
    }

    public var description: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }
}
