/// The operator's content: what Augur serves, how big it is, where its bytes come from,
/// which flavors may serve it and how many concurrent requests one instance takes.
public struct Catalog: Sendable, Hashable {
    public var contents: [ContentItem]

    public init(contents: [ContentItem]) {
        self.contents = contents
    }

    public func item(named name: String) -> ContentItem? {
        contents.first { $0.name == name }
    }
}

/// One content object of the catalog.
public struct ContentItem: Sendable, Hashable {
    /// A DNS label: clients resolve `<name>.<zone>`.
    public var name: String
    public var sizeBytes: Int
    public var source: ContentSource
    /// Flavor names, in the operator's order of preference.
    public var flavors: [String]
    /// Concurrent requests one instance serves (the paper: 20).
    public var capacity: Int

    public init(name: String, sizeBytes: Int, source: ContentSource, flavors: [String], capacity: Int = 20) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.source = source
        self.flavors = flavors
        self.capacity = capacity
    }
}

/// Where a content object's bytes come from.
public enum ContentSource: Sendable, Hashable {
    /// Deterministic pseudo-random bytes written by `Scripts/generate-content` (never committed).
    case generated(seed: UInt64)
    /// A file, relative to the catalog's folder.
    case file(String)
}
