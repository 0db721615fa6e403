/// A reference to an image or artifact in a registry: `REGISTRY/REPOSITORY:TAG` or
/// `REGISTRY/REPOSITORY@sha256:HEX`. Augur always names the registry; there is no default hub.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public var registry: String
    public var repository: String
    /// A tag or a `sha256:` digest.
    public var reference: String

    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let registry = String(text[..<slash])
        var rest = String(text[text.index(after: slash)...])
        let reference: String
        if let at = rest.firstIndex(of: "@") {
            reference = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
            guard reference.hasPrefix("sha256:"), reference.count == 71, reference.dropFirst(7).allSatisfy(\.isHexDigit) else { return nil }
        } else if let colon = rest.lastIndex(of: ":") {
            reference = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
            guard !reference.isEmpty, reference.count <= 128, reference.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else { return nil }
        } else {
            reference = "latest"
        }
        guard registry.contains(":") || registry.contains("."), !rest.isEmpty,
            rest.allSatisfy({ ($0.isLowercase && $0.isASCII) || $0.isNumber || "._-/".contains($0) })
        else { return nil }
        self.registry = registry
        self.repository = rest
        self.reference = reference
    }

    /// Parses an instance's image, throwing `EdgeError.invalidRequest` when it is no reference.
    public static func parse(_ text: String) throws -> ImageReference {
        guard let reference = ImageReference(text) else { throw EdgeError.invalidRequest("'\(text)' is not an image reference REGISTRY/REPOSITORY(:TAG|@sha256:DIGEST)") }
        return reference
    }

    public var isDigest: Bool { reference.hasPrefix("sha256:") }

    /// `REGISTRY/REPOSITORY`, the name without tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    public var description: String { isDigest ? "\(name)@\(reference)" : "\(name):\(reference)" }
}
