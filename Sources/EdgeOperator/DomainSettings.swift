import AugurModel
import EdgeWire

/// The `xl` domain settings an artifact may carry, and nothing else. An artifact comes from a
/// registry: a line such as `bootloader = "…"` or `device_model_override = "…"` would make dom0
/// run a program of the artifact's choosing, so every key outside this list is refused when
/// the artifact is pushed and again before a domain file is written.
public enum DomainSettings {
    /// Keys whose value is a whole number.
    static let numericKeys: Set<String> = ["memory", "maxmem", "vcpus", "maxvcpus", "cpu_weight", "cpu_cap"]
    /// Keys whose value is one of xl's domain actions.
    static let actionKeys: Set<String> = ["on_crash", "on_poweroff", "on_reboot", "on_watchdog"]
    static let actions: Set<String> = ["destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart", "soft-reset"]
    /// `extra`: more kernel command line, written before the driver's own keys.
    static let commandLineKey = "extra"
    /// What `extra` may not say: the guest's identity is the driver's (`augur.*`: address,
    /// gateway, port), and what the kernel runs first is the artifact's kernel alone.
    static let reservedWords = ["augur.", "init=", "rdinit="]
    /// Keys bounded by the instance's spec: an artifact may ask for less, never for more.
    static let memoryKeys: Set<String> = ["memory", "maxmem"]
    static let vcpuKeys: Set<String> = ["vcpus", "maxvcpus"]

    public static var allowedKeys: [String] { (numericKeys.union(actionKeys).union([commandLineKey])).sorted() }

    /// Settings that passed: `xl` values by key (quoted as xl wants), and `extra`, which the
    /// driver puts on the command line it writes, before its own keys.
    public struct Validated: Sendable, Hashable {
        public var values: [String: String] = [:]
        public var extraCommandLine: String?
    }

    /// Checks every setting; throws at the first that is not allowed or not well formed.
    public static func validated(_ settings: [String: String], image: String) throws(EdgeError) -> Validated {
        var validated = Validated()
        for (key, rawValue) in settings.sorted(by: { $0.key < $1.key }) {
            let value = rawValue.trimmingCharacters(in: .whitespaces)
            let unquoted = value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") ? String(value.dropFirst().dropLast()) : value
            if numericKeys.contains(key) {
                guard let number = Int(unquoted), (0...1_048_576).contains(number) else { throw refusal(image, key, rawValue, "a whole number") }
                validated.values[key] = "\(number)"
            } else if actionKeys.contains(key) {
                guard actions.contains(unquoted) else { throw refusal(image, key, rawValue, "one of \(actions.sorted().joined(separator: ", "))") }
                validated.values[key] = "\"\(unquoted)\""
            } else if key == commandLineKey {
                guard unquoted.count <= 1_024, unquoted.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f && $0 != "\"" && $0 != "\\" }) else {
                    throw refusal(image, key, rawValue, "printable ASCII without quotes or backslashes, at most 1024 characters")
                }
                if let word = unquoted.split(separator: " ").first(where: { word in reservedWords.contains { word.hasPrefix($0) } }) {
                    throw refusal(image, key, rawValue, "free of the driver's own keys (\(reservedWords.joined(separator: ", "))): it says '\(word)'")
                }
                validated.extraCommandLine = unquoted
            } else {
                throw EdgeError.imageNotFound(
                    image: image, reason: "domain setting '\(key)' is not allowed (allowed: \(allowedKeys.joined(separator: ", ")))")
            }
        }
        return validated
    }

    private static func refusal(_ image: String, _ key: String, _ value: String, _ expected: String) -> EdgeError {
        EdgeError.imageNotFound(image: image, reason: "domain setting \(key) = '\(value)' must be \(expected)")
    }
}
