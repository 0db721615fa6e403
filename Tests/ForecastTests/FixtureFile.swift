import Foundation

/// A fixture file written by Scripts/forecast-fixtures: `{"fixtures": [...]}` with
/// snake_case keys, beside this file under Fixtures/. A missing or unreadable file loads as
/// no fixtures, which each suite's `fixturesArePresent` test then reports.
struct FixtureFile<Fixture: Decodable>: Decodable {
    let fixtures: [Fixture]

    static func load(_ name: String) -> [Fixture] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let data = try? Data(contentsOf: url), let file = try? decoder.decode(FixtureFile.self, from: data) else { return [] }
        return file.fixtures
    }
}
