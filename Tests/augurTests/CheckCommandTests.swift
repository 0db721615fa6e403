@testable import augur
import Foundation
import Testing
import TestSupport
import Workload

/// `augur check` as an operator runs it before installing or restarting a service.
@Suite struct CheckCommandTests {
    @Test func theShippedFilesPass() throws {
        let command = try CheckCommand.parse([
            "--topology", RepositoryFiles.path("Topology/paper-testbed.yaml"), "--content", RepositoryFiles.path("Content/catalog.yaml"), RepositoryFiles.path("Scripts/scenarios/paper-s3-quick.yaml"),
        ])
        let findings = command.check()
        #expect(findings.problems.isEmpty, "\(findings.problems)")
        #expect(findings.passed.count == 2)
    }

    @Test func aMisspelledKeyAndABadScenarioAreBothReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("augur-check-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let topology = try String(contentsOfFile: RepositoryFiles.path("Topology/paper-testbed.yaml"), encoding: .utf8).replacingOccurrences(of: "  ttl: 5\n", with: "  tll: 5\n")
        try topology.write(to: folder.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        try "title: t\npattern: missing.yaml\n".write(to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        let command = try CheckCommand.parse([
            "--topology", folder.appendingPathComponent("topology.yaml").path, "--flavors", RepositoryFiles.path("Topology/flavors.yaml"),
            "--content", RepositoryFiles.path("Content/catalog.yaml"), folder.appendingPathComponent("scenario.yaml").path,
        ])
        let findings = command.check()
        #expect(findings.passed.isEmpty)
        #expect(findings.problems.count == 2, "\(findings.problems)")
        #expect(findings.problems.first?.hasSuffix("topology.yaml:12: dns.tll: unknown field (did you mean 'ttl'?)") == true, "\(findings.problems)")
        #expect(findings.problems.last?.contains("scenario.yaml") == true, "\(findings.problems)")
    }
}

/// `augur content list`: what the scripts read the catalog through.
@Suite struct ContentListTests {
    @Test func theCatalogsNamesInOrder() throws {
        let command = try ContentCommand.List.parse([
            "--topology", RepositoryFiles.path("Topology/netns-testbed.yaml"), "--content", RepositoryFiles.path("Content/catalog.yaml"),
        ])
        #expect(try command.names() == ["video1", "video5", "video10", "video20"])
    }

    @Test func aScenariosContentAndOneTheCatalogLacks() throws {
        let arguments = ["--topology", RepositoryFiles.path("Topology/netns-testbed.yaml"), "--content", RepositoryFiles.path("Content/catalog.yaml")]
        let matrix = try ContentCommand.List.parse(arguments + ["--scenario", RepositoryFiles.path("Scripts/scenarios/paper-s3-matrix.yaml")])
        #expect(try matrix.names() == [try Scenario.load(RepositoryFiles.path("Scripts/scenarios/paper-s3-matrix.yaml")).pattern.content])
        let folder = Testbed.temporaryDirectory("content-list")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "content: video99\nusers: [1, 2]\n".write(to: folder.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
        try "title: t\npattern: pattern.yaml\nround: 1s\ncycles: 2\nruns:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos}\n"
            .write(to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        let unknown = try ContentCommand.List.parse(arguments + ["--scenario", folder.appendingPathComponent("scenario.yaml").path])
        #expect { try unknown.names() } throws: { "\($0)".contains("'video99'") }
    }
}

/// `augur image push-unikernel --all`: the scripts' one call for every stand-in.
@Suite struct PushEveryStandInTests {
    @Test func allTakesNoSingleArtifactOptionsAndOneArtifactNeedsItsFlavorAndObject() throws {
        #expect(throws: (any Error).self) { try ImageCommand.PushUnikernel.parse(["--all", "--flavor", "clickos"]) }
        #expect(throws: (any Error).self) { try ImageCommand.PushUnikernel.parse(["--all", "--kernel", "/boot/vmlinuz"]) }
        #expect(throws: (any Error).self) { try ImageCommand.PushUnikernel.parse(["--flavor", "clickos"]) }
        let all = try ImageCommand.PushUnikernel.parse(["--all"])
        #expect(all.all && all.flavor == nil)
        let one = try ImageCommand.PushUnikernel.parse(["--flavor", "clickos", "--object", "video1"])
        #expect(!one.all && one.object == "video1")
    }
}

/// `augur image profile-size`: what `Scripts/build-images` prints beside a built image.
@Suite struct ProfileSizeTests {
    static func size(_ flavor: String, bytes: Int) throws -> String {
        try ImageCommand.ProfileSize.parse(RepositoryFiles.arguments + ["--flavor", flavor, "--content-bytes", "\(bytes)"]).megabytes()
    }

    @Test func theProfilesMeasurementAndBetweenTwo() throws {
        #expect(try Self.size("nginx", bytes: 5 * 1_048_576) == "26.5")
        #expect(try Self.size("nginx", bytes: 15 * 1_048_576 / 2) == "29.0", "halfway between the 5 and 10 MB measurements")
        #expect(try Self.size("flask", bytes: 20 * 1_048_576) == "104.0")
    }

    @Test func anUnknownFlavorAndANegativeSizeAreRefused() throws {
        #expect { try Self.size("nginks", bytes: 1) } throws: { "\($0)".contains("unknown flavor 'nginks'") }
        #expect(throws: (any Error).self) { try ImageCommand.ProfileSize.parse(["--flavor", "nginx", "--content-bytes", "-1"]) }
    }
}
