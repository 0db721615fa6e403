/// Decodes `Topology/flavors.yaml`: per flavor its runtime, kind and image sizes.
enum FlavorsFile {
    private struct File: Decodable {
        let flavors: [String: Entry]
    }

    private struct Entry: Decodable {
        let runtime: String
        let kind: String
        let imageMB: [String: Double]
        let boot: String?
        let removal: String?
        let emulable: Bool?
        let standIn: Bool?
        let memoryMB: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case runtime, kind, boot, removal, emulable
            case standIn = "stand_in"
            case imageMB = "image_mb"
            case memoryMB = "memory_mb"
        }
    }

    static func decode(_ document: ConfigDocument) throws(ConfigError) -> [String: Flavor] {
        let file = try document.decode(File.self)
        guard !file.flavors.isEmpty else { throw document.error([.key("flavors")], "at least one flavor is required") }
        var flavors: [String: Flavor] = [:]
        for (name, entry) in file.flavors.sorted(by: { $0.key < $1.key }) {
            let path: [ConfigDocument.PathStep] = [.key("flavors"), .key(name)]
            guard DomainName.isValidLabel(name), name == name.lowercased() else {
                throw document.error(path, "flavor name '\(name)' must be a lower-case DNS label")
            }
            guard let runtime = RuntimeKind(rawValue: entry.runtime) else {
                throw document.error(path + [.key("runtime")], "unknown runtime '\(entry.runtime)' (known: \(RuntimeKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let kind = Flavor.Kind(rawValue: entry.kind) else {
                throw document.error(path + [.key("kind")], "unknown kind '\(entry.kind)' (known: unikernel, container, microvm)")
            }
            let sizes = try bySize(entry.imageMB, key: "image_mb", what: "image size", at: path, in: document)
            let memory = try bySize(entry.memoryMB ?? [:], key: "memory_mb", what: "guest memory", at: path, in: document)
            let timing = Flavor.TimingProfile(
                bootMilliseconds: try duration(entry.boot, at: path + [.key("boot")], in: document),
                removalMilliseconds: try duration(entry.removal, at: path + [.key("removal")], in: document))
            flavors[name] = Flavor(name: name, runtime: runtime, kind: kind, imageMegabytes: sizes, timing: timing, emulable: entry.emulable ?? true, standIn: entry.standIn ?? false,
                memoryMegabytes: memory)
        }
        return flavors
    }

    /// A table of megabytes by content size in megabytes (`image_mb`, `memory_mb`).
    private static func bySize(
        _ table: [String: Double], key: String, what: String, at path: [ConfigDocument.PathStep], in document: ConfigDocument
    ) throws(ConfigError) -> [Int: Double] {
        var sizes: [Int: Double] = [:]
        for (content, megabytes) in table {
            guard let contentMB = Int(content), contentMB > 0 else {
                throw document.error(path + [.key(key), .key(content)], "content size '\(content)' must be a whole number of megabytes")
            }
            guard megabytes > 0, megabytes.isFinite else {
                throw document.error(path + [.key(key), .key(content)], "\(what) must be a positive number of megabytes")
            }
            sizes[contentMB] = megabytes
        }
        return sizes
    }

    private static func duration(_ text: String?, at path: [ConfigDocument.PathStep], in document: ConfigDocument) throws(ConfigError) -> Int {
        guard let text else { return 0 }
        guard let milliseconds = Units.milliseconds(text) else {
            throw document.error(path, "'\(text)' is not a duration such as 0.3s or 40ms")
        }
        return milliseconds
    }
}
