import ArgumentParser
import AugurModel
import Foundation

/// The options every subcommand that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "The topology file.")
    var topology: String = "Topology/paper-testbed.yaml"

    @Option(help: "The content catalog.")
    var content: String = "Content/catalog.yaml"

    @Option(help: "The flavor profiles (default: flavors.yaml beside the topology).")
    var flavors: String?

    /// Reads and validates the three files; any problem names the file, line and field.
    func load() throws(ConfigError) -> AugurConfiguration {
        let flavorsPath = flavors ?? URL(fileURLWithPath: topology).deletingLastPathComponent().appendingPathComponent("flavors.yaml").path
        return try AugurConfiguration.decode(
            topology: try document(topology),
            flavors: try document(flavorsPath),
            catalog: try document(content)
        )
    }

    private func document(_ path: String) throws(ConfigError) -> ConfigDocument {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, line: nil, field: "", reason: "no such file")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, field: "", reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try ConfigDocument(file: path, text: text)
    }
}
