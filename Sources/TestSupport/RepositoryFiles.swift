import AugurModel
import Foundation

/// The repository's own files (the shipped topology, flavors and catalog), read the way
/// `augur` reads them: the one place tests load the shipped configuration from, decoded or
/// as the command-line options that name it.
public enum RepositoryFiles {
    public static let topology = "Topology/paper-testbed.yaml"
    public static let flavors = "Topology/flavors.yaml"
    public static let catalog = "Content/catalog.yaml"

    /// The absolute path of a repository file.
    public static func path(_ relative: String) -> String {
        Testbed.root.appendingPathComponent(relative).path
    }

    public static func text(_ relative: String) throws -> String {
        try String(contentsOf: Testbed.root.appendingPathComponent(relative), encoding: .utf8)
    }

    public static func document(_ relative: String) throws -> ConfigDocument {
        try ConfigDocument(file: relative, text: text(relative))
    }

    /// Decodes the shipped files, with `edit` applied to one of them (`target`) first.
    public static func decode(editing target: String? = nil, _ edit: (String) -> String = { $0 }) throws(ConfigError) -> AugurConfiguration {
        func load(_ relative: String) throws(ConfigError) -> ConfigDocument {
            let original: String
            do { original = try text(relative) } catch { throw ConfigError(file: relative, line: nil, field: "", reason: "\(error)") }
            return try ConfigDocument(file: relative, text: relative == target ? edit(original) : original)
        }
        return try AugurConfiguration.decode(topology: load(topology), flavors: load(flavors), catalog: load(catalog))
    }

    /// `--topology … --content …` naming the shipped files, for a test that runs `augur`.
    public static var arguments: [String] {
        ["--topology", path(topology), "--content", path(catalog)]
    }
}
