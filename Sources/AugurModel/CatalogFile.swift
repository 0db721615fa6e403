/// Decodes `Content/catalog.yaml` and checks every content against the known flavors.
enum CatalogFile {
    private struct File: Decodable {
        let contents: [Entry]
    }

    private struct Entry: Decodable {
        let name: String
        let size: String
        let source: String?
        let seed: UInt64?
        let flavors: [String]
        let capacity: Int?
    }

    static func decode(_ document: ConfigDocument, flavors: [String: Flavor]) throws(ConfigError) -> Catalog {
        let file = try document.decode(File.self)
        guard !file.contents.isEmpty else { throw document.error([.key("contents")], "at least one content is required") }
        var seen: Set<String> = []
        var items: [ContentItem] = []
        for (index, entry) in file.contents.enumerated() {
            let path: [ConfigDocument.PathStep] = [.key("contents"), .index(index)]
            guard DomainName.isValidLabel(entry.name), entry.name == entry.name.lowercased() else {
                throw document.error(path + [.key("name")], "'\(entry.name)' is not a lower-case DNS label (letters, digits, '-', at most 63)")
            }
            guard flavors[entry.name] == nil else {
                throw document.error(path + [.key("name")], "'\(entry.name)' is a flavor name; <flavor>.<zone> is reserved for <content>.<flavor>.<zone>")
            }
            guard seen.insert(entry.name).inserted else {
                throw document.error(path + [.key("name")], "duplicate content name '\(entry.name)'")
            }
            guard let size = Units.bytes(entry.size) else {
                throw document.error(path + [.key("size")], "'\(entry.size)' is not a size (e.g. 5MB, 512KB, 1048576)")
            }
            guard !entry.flavors.isEmpty else {
                throw document.error(path + [.key("flavors")], "at least one flavor is required")
            }
            for (flavorIndex, flavor) in entry.flavors.enumerated() where flavors[flavor] == nil {
                throw document.error(path + [.key("flavors"), .index(flavorIndex)], "unknown flavor '\(flavor)' (known: \(flavors.keys.sorted().joined(separator: ", ")))")
            }
            guard Set(entry.flavors).count == entry.flavors.count else {
                throw document.error(path + [.key("flavors")], "a flavor is listed twice")
            }
            let capacity = entry.capacity ?? 20
            guard capacity > 0 else {
                throw document.error(path + [.key("capacity")], "capacity must be at least 1 concurrent request")
            }
            let source: ContentSource
            switch entry.source ?? "generated" {
            case "generated":
                source = .generated(seed: entry.seed ?? UInt64(index + 1))
            case let text where text.hasPrefix("file:") && text.count > 5:
                source = .file(String(text.dropFirst(5)))
            case let text:
                throw document.error(path + [.key("source")], "'\(text)' is not a source (use 'generated' or 'file:RELATIVE/PATH')")
            }
            items.append(ContentItem(name: entry.name, sizeBytes: size, source: source, flavors: entry.flavors, capacity: capacity))
        }
        return Catalog(contents: items)
    }
}
