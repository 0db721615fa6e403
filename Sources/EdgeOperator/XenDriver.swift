import AugurModel
import Foundation

/// Runs ClickOS, Rumprun and MirageOS guests through the `xl` toolstack: pulls the unikernel
/// artifact, writes the domain configuration (kernel, memory, vcpus, a vif carrying the
/// instance's address), `xl create`, `xl destroy`, and reads `xl list -l` back. This machine
/// has no Xen dom0: the tests run it against a recorded `xl` test double (see the README).
public actor XenDriver: RuntimeDriver {
    public nonisolated let runtime = RuntimeKind.xen
    public nonisolated let isEmulated = false
    private let xl: ToolCommand
    private let bridge: String
    private let directory: URL
    private let artifacts: ArtifactStore
    private var cpu = CPURate()

    static let domainPrefix = "augur-"

    public init(stateDirectory: URL, xl: String = "xl", bridge: String = "xenbr0") {
        self.xl = ToolCommand(executable: xl, runtime: .xen)
        self.bridge = bridge
        self.directory = stateDirectory.appendingPathComponent("xen")
        self.artifacts = ArtifactStore(directory: stateDirectory.appendingPathComponent("artifacts"))
    }

    public func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation {
        try await artifacts.prepare(spec)
    }

    public func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction {
        try await artifacts.evict(keeping: keeping, for: .xen)
    }

    public func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle {
        let artifact = try await artifacts.prepared(spec)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = Self.domainPrefix + spec.id
        let configFile = directory.appendingPathComponent("\(name).cfg")
        try Self.domainConfiguration(spec, name: name, kernel: artifact.kernel.path, bridge: bridge, extra: artifact.config.domainSettings)
            .write(to: configFile, atomically: true, encoding: .utf8)
        try JSONEncoder().encode(spec).write(to: directory.appendingPathComponent("\(name).json"))
        do {
            try await xl.expectSuccess(["create", configFile.path], operation: "create")
        } catch {
            try? FileManager.default.removeItem(at: configFile)
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(name).json"))
            throw error
        }
        return RuntimeHandle(name)
    }

    public func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws {
        let outcome = try await xl.run(["destroy", handle.runtimeID])
        // xl answers a domain that no longer exists with "invalid domain identifier": already gone.
        guard outcome.succeeded || outcome.errorOutput.contains("invalid domain identifier") else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "destroy", reason: outcome.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        cpu.forget(handle.runtimeID)
        for suffix in ["cfg", "json"] { try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(handle.runtimeID).\(suffix)")) }
    }

    public func discover() async throws -> [DiscoveredInstance] {
        let running = Set(try await domains().map(\.name))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let spec = (try? Data(contentsOf: directory.appendingPathComponent(file))).flatMap({ try? JSONDecoder().decode(InstanceSpec.self, from: $0) }) else { return nil }
            let name = String(file.dropLast(".json".count))
            return DiscoveredInstance(spec: spec, handle: RuntimeHandle(name), running: running.contains(name))
        }
    }

    public func usage(of handle: RuntimeHandle) async throws -> InstanceUsage {
        let output = try await xl.expectSuccess(["list", handle.runtimeID], operation: "list")
        guard let row = Self.parseListRow(output, name: handle.runtimeID) else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "list", reason: "no row for \(handle.runtimeID)")
        }
        return InstanceUsage(cpuPercent: cpu.percent(handle.runtimeID, cpuSeconds: row.cpuSeconds), memoryBytes: row.memoryMegabytes << 20)
    }

    /// Augur's domains as `xl list -l` reports them (a JSON array of `{domid, config: {c_info: {name}}}`).
    private func domains() async throws -> [(name: String, domid: Int)] {
        let output = try await xl.expectSuccess(["list", "-l"], operation: "list -l")
        guard !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        guard let entries = try? JSONDecoder().decode([ListedDomain].self, from: Data(output.utf8)) else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "list -l", reason: "output is not xl's JSON domain list")
        }
        return entries.compactMap { entry in
            let name = entry.config.c_info.name
            return name.hasPrefix(Self.domainPrefix) ? (name, entry.domid) : nil
        }
    }

    /// The `xl` domain configuration file for an instance.
    static func domainConfiguration(_ spec: InstanceSpec, name: String, kernel: String, bridge: String, extra: [String: String]) -> String {
        let mac = macAddress(for: spec.id)
        var lines = [
            "name = \"\(name)\"",
            "kernel = \"\(kernel)\"",
            "memory = \(spec.memoryMegabytes)",
            "vcpus = \(max(1, Int(spec.cpus.rounded(.up))))",
            "vif = [ 'ip=\(spec.address),mac=\(mac),bridge=\(bridge)' ]",
            "on_crash = \"destroy\"",
        ]
        lines += extra.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A stable locally administered MAC in Xen's 00:16:3e range, derived from the instance id.
    static func macAddress(for id: String) -> String {
        let hash = id.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        return String(format: "00:16:3e:%02x:%02x:%02x", (hash >> 16) & 0x7f, (hash >> 8) & 0xff, hash & 0xff)
    }

    /// A row of `xl list NAME`: `Name ID Mem VCPUs State Time(s)`.
    static func parseListRow(_ output: String, name: String) -> (memoryMegabytes: Int, cpuSeconds: Double)? {
        for line in output.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 6, fields[0] == name, let memory = Int(fields[2]), let time = Double(fields[5]) else { continue }
            return (memory, time)
        }
        return nil
    }
}

private struct ListedDomain: Decodable {
    struct Config: Decodable {
        struct Info: Decodable { var name: String }
        var c_info: Info
    }

    var domid: Int
    var config: Config
}
