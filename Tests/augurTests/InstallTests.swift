import Foundation
import Testing
import TestSupport

/// `Scripts/install` into a scratch root, then the installed units' own command lines, read
/// from the unit files and pointed at that root, started as systemd would start them.
@Suite(.serialized) struct InstallTests {
    /// A scratch root with Augur installed (the debug binary, so no release build).
    static func install() async throws -> URL {
        let root = Testbed.temporaryDirectory("install")
        try await Testbed.script("install", ["--root", root.path, "--binary", Testbed.augurBinary().path])
        return root
    }

    /// A unit's `KEY=` lines (in order), with the installed paths moved under `root`, `%i`
    /// as `instance`, and `$AUGUR_ARGS` as the words the unit's environment files give it.
    static func commands(_ key: String, unit: String, root: URL, instance: String = "", environment: [String]) throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent("etc/systemd/system/\(unit)"), encoding: .utf8)
        var arguments = ""
        for file in environment {
            let env = (try? String(contentsOf: root.appendingPathComponent("etc/augur/\(file)"), encoding: .utf8)) ?? ""
            for line in env.split(separator: "\n") where line.hasPrefix("AUGUR_ARGS=") { arguments = String(line.dropFirst("AUGUR_ARGS=".count)) }
        }
        return text.split(separator: "\n").filter { $0.hasPrefix("\(key)=") }.map { line in
            line.dropFirst(key.count + 1)
                .replacingOccurrences(of: "%i", with: instance)
                .replacingOccurrences(of: "/usr/local/bin/", with: root.path + "/usr/local/bin/")
                .replacingOccurrences(of: "/etc/augur/", with: root.path + "/etc/augur/")
                .replacingOccurrences(of: "/var/lib/augur", with: root.path + "/var/lib/augur")
                .split(separator: " ").flatMap { word in word == "$AUGUR_ARGS" ? arguments.split(separator: " ").map(String.init) : [String(word)] }
        }
    }

    /// Runs a unit's `ExecStartPre=` lines and starts its `ExecStart=` line with `extra`
    /// appended (a later option wins: the test's own addresses), in the unit's working folder.
    static func start(unit: String, root: URL, instance: String = "", environment: [String], extra: [String]) async throws -> ChildProcess {
        let state = root.appendingPathComponent("var/lib/augur")
        for pre in try commands("ExecStartPre", unit: unit, root: root, instance: instance, environment: environment) {
            try await Testbed.tool(pre[0], Array(pre.dropFirst()))
        }
        let start = try #require(try commands("ExecStart", unit: unit, root: root, instance: instance, environment: environment).first)
        return try ChildProcess(URL(fileURLWithPath: start[0]), Array(start.dropFirst()) + extra, in: state, log: root.appendingPathComponent("\(unit).log"))
    }

    /// Asks `url` with curl until it answers `ok` (the process is starting) or `seconds` pass.
    static func healthy(_ url: String, _ process: ChildProcess, seconds: Int = 30) async -> Bool {
        for _ in 0..<(seconds * 10) where process.isRunning {
            if (try? await Testbed.tool("curl", ["-sf", "--max-time", "1", url]))?.hasPrefix("ok") == true { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func itPutsTheBinaryConfigurationUnitsAndTokensInPlaceAndAnUpgradeKeepsTheOperatorsFiles() async throws {
        let root = try await Self.install()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = FileManager.default
        #expect(files.isExecutableFile(atPath: root.appendingPathComponent("usr/local/bin/augur").path))
        for config in ["topology.yaml", "flavors.yaml", "catalog.yaml", "serve.env", "dns.env", "edge.env"] {
            #expect(files.fileExists(atPath: root.appendingPathComponent("etc/augur/\(config)").path), "\(config)")
        }
        #expect(try String(contentsOf: root.appendingPathComponent("etc/augur/serve.env"), encoding: .utf8).contains("AUGUR_ARGS=--edges remote"))
        for token in ["token", "edge-1.token", "edge-4.token"] {
            let path = root.appendingPathComponent("var/lib/augur/.augur/\(token)").path
            let mode = try #require(files.attributesOfItem(atPath: path)[.posixPermissions] as? Int, "\(token) exists")
            #expect(mode == 0o600, "\(token) is the owner's alone")
        }

        let catalog = root.appendingPathComponent("etc/augur/catalog.yaml")
        let unit = root.appendingPathComponent("etc/systemd/system/augur-serve.service")
        let shippedUnit = try String(contentsOf: unit, encoding: .utf8)
        let edited = try String(contentsOf: catalog, encoding: .utf8) + "# the operator's edit\n"
        try edited.write(to: catalog, atomically: true, encoding: .utf8)
        try "edited\n".write(to: unit, atomically: true, encoding: .utf8)
        try await Testbed.script("install", ["--root", root.path, "--binary", Testbed.augurBinary().path])
        #expect(try String(contentsOf: catalog, encoding: .utf8) == edited, "the operator's configuration is kept")
        #expect(try String(contentsOf: unit, encoding: .utf8) == shippedUnit, "the units are the software's: replaced")
    }

    @Test func aConfigurationThatFailsItsCheckStopsTheInstall() async throws {
        let root = Testbed.temporaryDirectory("install-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let etc = root.appendingPathComponent("etc/augur")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        let topology = try RepositoryFiles.text(RepositoryFiles.topology)
        try topology.replacingOccurrences(of: "  ttl: 5\n", with: "  tll: 5\n").write(to: etc.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        let error = await #expect(throws: TestbedError.self) {
            try await Testbed.script("install", ["--root", root.path, "--binary", Testbed.augurBinary().path])
        }
        #expect(error?.description.contains("did you mean 'ttl'?") == true, "\(error?.description ?? "")")
        for path in ["usr/local/bin/augur", "etc/systemd/system/augur-serve.service", "var/lib/augur/.augur/token"] {
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path), "\(path): nothing past a refused configuration")
        }
    }

    @Test func theServeUnitsCommandAnswersDNSAndHealthAndStopsCleanOnSIGTERM() async throws {
        let root = try await Self.install()
        defer { try? FileManager.default.removeItem(at: root) }
        let serve = try await Self.start(
            unit: "augur-serve.service", root: root, environment: ["serve.env"], extra: ["--api", "127.0.77.1:7177", "--dns-listen", "127.0.77.1:5377", "--workers", "1"])
        let healthy = await Self.healthy("http://127.0.77.1:7177/healthz", serve)
        let answer = healthy ? try await Testbed.tool("dig", ["@127.0.77.1", "-p", "5377", "+short", "+time=2", "+tries=2", "video1.cdn.example", "A"]) : ""
        let ending = await serve.stop()
        #expect(healthy, "augur serve answers /healthz: \(serve.output)")
        #expect(answer.split(separator: "\n").contains("127.10.0.1"), "the core's static instance: \(answer)")
        #expect(ending == .exited(0), "\(serve.output)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("var/lib/augur/data").path))
    }

    @Test func theDNSAndEdgeUnitsCommandsStartAndStopClean() async throws {
        let root = try await Self.install()
        defer { try? FileManager.default.removeItem(at: root) }
        let dns = try await Self.start(unit: "augur-dns.service", root: root, environment: ["dns.env"], extra: ["--dns-listen", "127.0.77.2:5377", "--workers", "1"])
        var answer = ""
        for _ in 0..<100 where dns.isRunning && !answer.contains("127.10.0.5") {
            answer = (try? await Testbed.tool("dig", ["@127.0.77.2", "-p", "5377", "+short", "+time=1", "+tries=1", "video5.cdn.example", "A"])) ?? ""
        }
        let dnsEnding = await dns.stop()
        #expect(answer.contains("127.10.0.5"), "augur dns answers the static pool: \(dns.output)")
        #expect(dnsEnding == .exited(0), "\(dns.output)")

        let edge = try await Self.start(
            unit: "augur-edge@.service", root: root, instance: "edge-1", environment: ["edge.env", "edge-edge-1.env"], extra: ["--listen", "127.0.77.2:7178"])
        let healthy = await Self.healthy("http://127.0.77.2:7178/healthz", edge)
        let edgeEnding = await edge.stop()
        #expect(healthy, "augur edge answers /healthz: \(edge.output)")
        #expect(edgeEnding == .exited(0), "\(edge.output)")
    }
}
