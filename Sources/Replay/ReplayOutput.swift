import Foundation

/// The replay's output folder, which it may clear: only one it created, an empty one, or one
/// that holds an earlier replay's own results (marked by `.augur-replay`, which lists what that
/// replay wrote). Anything else (`--output .`, a home folder) is refused before it is touched.
public struct ReplayOutput: Sendable {
    static let marker = ".augur-replay"
    public static let results = ["rounds.csv", "deploys.csv", "sites.csv", "summary.json", "delivery.svg", "instances.svg", "over-capacity.svg", "cpu.svg", "report.html"]

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Clears what an earlier replay wrote here and marks the folder for `runs`.
    public func prepare(runs: [String]) throws {
        let manager = FileManager.default
        let markerFile = directory.appendingPathComponent(Self.marker)
        if let entries = try? manager.contentsOfDirectory(atPath: directory.path), !entries.isEmpty {
            guard let listed = try? String(contentsOf: markerFile, encoding: .utf8) else {
                throw ReplayError(
                    "--output \(directory.path) holds files that are not an earlier replay's (no \(Self.marker) in it): name a new or empty folder")
            }
            let earlier = listed.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.contains("/") && $0 != ".." && $0 != "." }
            for entry in Set(earlier + Self.results) {
                let item = directory.appendingPathComponent(entry)
                guard manager.fileExists(atPath: item.path) else { continue }
                do { try manager.removeItem(at: item) } catch {
                    throw ReplayError("cannot clear \(item.path) of an earlier replay: \(error.localizedDescription)")
                }
            }
        }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data((runs.joined(separator: "\n") + "\n").utf8).write(to: markerFile)
    }
}
