import ArgumentParser
import AugurModel
import Foundation
import Workload

/// `augur content generate`: writes the payload of every generated content object;
/// `augur content list`: the catalog's content names, for scripts (they never parse YAML).
struct ContentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content",
        abstract: "Work with the content catalog's objects.",
        subcommands: [Generate.self, List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the catalog's content names, one a line, after checking the configuration; with --scenario, the content that scenario replays.")

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "Print only the content this scenario's pattern replays (checked against the catalog).")
        var scenario: String?

        func run() throws {
            for name in try names() { print(name) }
        }

        func names() throws -> [String] {
            let names = try config.load().catalog.contents.map(\.name)
            guard let scenario else { return names }
            let content = try Scenario.load(scenario).pattern.content
            guard names.contains(content) else { throw ValidationError("\(scenario): its pattern replays '\(content)', which the catalog \(config.content) does not hold") }
            return [content]
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the payload of every `source: generated` object (and check that `file:` sources exist)."
        )

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "Folder for the payloads (default: payloads/ beside the catalog).")
        var output: String?

        func run() throws {
            let configuration = try config.load()
            let catalogFolder = URL(fileURLWithPath: config.content).deletingLastPathComponent()
            let folder = output.map { URL(fileURLWithPath: $0) } ?? catalogFolder.appendingPathComponent("payloads")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create \(folder.path): \(error.localizedDescription)")
            }
            for item in configuration.catalog.contents {
                switch item.source {
                case .generated:
                    guard let payload = GeneratedPayload(item) else { continue }
                    let target = folder.appendingPathComponent(item.name)
                    try write(payload, to: target)
                    print("\(item.name): \(payload.size) bytes → \(target.path)")
                case .file(let path):
                    let source = catalogFolder.appendingPathComponent(path)
                    guard FileManager.default.fileExists(atPath: source.path) else {
                        throw ValidationError("\(config.content): content '\(item.name)' names \(source.path), which does not exist")
                    }
                    print("\(item.name): from \(source.path)")
                }
            }
        }

        /// Streams the payload in 1 MiB chunks into a file beside `target`, then renames it
        /// over `target`: an instance serving the old file meanwhile (a testbed edge's nginx)
        /// never reads a half-written one.
        private func write(_ payload: GeneratedPayload, to target: URL) throws {
            let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString.prefix(8)).partial")
            guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = try? FileHandle(forWritingTo: partial) else {
                throw ValidationError("cannot write \(partial.path)")
            }
            do {
                var offset = 0
                while offset < payload.size {
                    let chunk = payload.bytes(from: offset, count: 1 << 20)
                    try handle.write(contentsOf: chunk)
                    offset += chunk.count
                }
                try handle.close()
            } catch {
                try? handle.close()
                try? FileManager.default.removeItem(at: partial)
                throw ValidationError("cannot write \(target.path): \(error.localizedDescription)")
            }
            guard rename(partial.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: partial)
                throw ValidationError("cannot move \(partial.path) to \(target.path): \(reason)")
            }
        }
    }
}
