import AugurModel
import EdgeWire
import Foundation
import Synchronization

/// Runs Xen guests through the real `xl` toolstack in dom0: pulls the guest's artifact
/// (kernel, and ramdisk when it has one), writes one domain file per instance (kernel, memory,
/// vcpus, a vif with the instance's MAC on the guests' bridge, and the address, subnet, router
/// and port on the kernel command line, since a guest does not take its address from the
/// toolstack), `xl create`, `xl destroy`, and finds its domains again through `xl list -l`.
/// Drain counts the guest's established connections through the bridge with `conntrack`.
/// Proven against real `xl` in a nested Xen host (Scripts/xen-host); the unit tests use the
/// `xl` double in Tests/EdgeOperatorTests/Doubles.
public actor XenDriver: RuntimeDriver {
    public nonisolated let runtime = RuntimeKind.xen
    public nonisolated let isEmulated = false
    public nonisolated let timingNote: String?
    private let xl: ToolCommand
    private let conntrack: ToolCommand
    private let network: XenGuestNetwork
    private let directory: URL
    private let artifacts: ArtifactStore
    /// Where xenconsoled writes each guest's console (`--log=guest --log-dir=…`): what a guest
    /// that stopped while booting last said.
    private let consoleLogDirectory: URL
    private var cpu = CPURate()
    /// Addresses of `augur-` domains this operator has no spec for and could not destroy:
    /// a guest still answers there, so no new instance takes them.
    private nonisolated let unownedAddresses = Mutex<Set<String>>([])

    static let domainPrefix = "augur-"
    /// How many more times a failed destroy is checked and tried again, half a second apart.
    static let destroyRetries = 10

    /// xl's answer for a domain that does not exist.
    static func saysNoSuchDomain(_ outcome: ToolCommand.Outcome) -> Bool {
        outcome.errorOutput.lowercased().contains("invalid domain identifier")
    }

    /// A destroy that succeeded, or found the domain already gone.
    static func isGone(_ outcome: ToolCommand.Outcome) -> Bool {
        outcome.succeeded || saysNoSuchDomain(outcome)
    }

    /// - Parameter platformVendor: the machine's DMI vendor (`/sys/class/dmi/id/sys_vendor`):
    ///   "QEMU" means this Xen host is itself a QEMU guest, nested, and its times are functional.
    public init(
        stateDirectory: URL, network: XenGuestNetwork, xl: String = "xl", conntrack: String = "conntrack", platformVendor: String? = nil,
        consoleLogDirectory: URL = URL(fileURLWithPath: "/var/log/xen/console"), registryLogins: RegistryLogins = [:]
    ) {
        let vendor = platformVendor ?? (try? String(contentsOfFile: "/sys/class/dmi/id/sys_vendor", encoding: .utf8))
        self.timingNote = vendor?.trimmingCharacters(in: .whitespacesAndNewlines) == "QEMU"
            ? "functional timing: Xen nested under QEMU (software emulation here), not comparable with hardware" : nil
        self.xl = ToolCommand(executable: xl, runtime: .xen)
        self.conntrack = ToolCommand(executable: conntrack, runtime: .xen)
        self.network = network
        self.directory = stateDirectory.appendingPathComponent("xen")
        self.artifacts = ArtifactStore(directory: stateDirectory.appendingPathComponent("artifacts"), registryLogins: registryLogins)
        self.consoleLogDirectory = consoleLogDirectory
    }

    public func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation {
        try await artifacts.prepare(spec)
    }

    public func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction {
        try await artifacts.evict(keeping: keeping, for: .xen)
    }

    public func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle {
        let artifact = try await artifacts.prepared(spec)
        let settings = try DomainSettings.validated(artifact.config.domainSettings, image: spec.image)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = Self.domainPrefix + spec.id
        let configFile = directory.appendingPathComponent("\(name).cfg")
        let specFile = directory.appendingPathComponent("\(name).json")
        try Self.domainConfiguration(spec, name: name, artifact: artifact, network: network, settings: settings)
            .write(to: configFile, atomically: true, encoding: .utf8)
        try JSONEncoder().encode(spec).write(to: specFile, options: .atomic)
        do {
            try await xl.expectSuccess(["create", configFile.path], operation: "create")
        } catch {
            // xl normally removes a domain it could not build; one left half-made is destroyed
            // here so that nothing holds the instance's name, memory or address, and a domain
            // that cannot be destroyed is named in the failure, never left unsaid.
            try? FileManager.default.removeItem(at: configFile)
            try? FileManager.default.removeItem(at: specFile)
            let cleanup = try? await xl.run(["destroy", name])
            if let cleanup, !Self.isGone(cleanup), case .runtimeFailed(let runtime, let operation, let reason) = error as? EdgeError {
                throw EdgeError.runtimeFailed(
                    runtime: runtime, operation: operation,
                    reason: "\(reason); the half-made domain \(name) could not be destroyed: \(cleanup.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            throw error
        }
        return RuntimeHandle(name)
    }

    public func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws {
        var outcome = try await xl.run(["destroy", handle.runtimeID])
        // A guest that crashed is being destroyed by xl itself (`on_crash = "destroy"`), and a
        // second destroy can fail half-way through its hotplug teardown: what counts is that
        // the domain ends up gone, so it is asked again for a few seconds.
        for _ in 0..<Self.destroyRetries where !Self.isGone(outcome) {
            if let listed = try? await xl.run(["list", handle.runtimeID]), Self.saysNoSuchDomain(listed) { outcome = listed; break }
            try? await Task.sleep(for: .milliseconds(500))
            outcome = try await xl.run(["destroy", handle.runtimeID])
        }
        guard Self.isGone(outcome) else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "destroy", reason: outcome.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        cpu.forget(handle.runtimeID)
        for suffix in ["cfg", "json"] { try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(handle.runtimeID).\(suffix)")) }
    }

    /// A domain that is gone (xl destroys a crashed guest: `on_crash = "destroy"`), or that
    /// xl lists as shut down, crashed or dying, no longer boots; its console says why.
    public func bootFailure(_ handle: RuntimeHandle, spec: InstanceSpec) async -> String? {
        guard let outcome = try? await xl.run(["list", handle.runtimeID]) else { return nil }
        let state: String
        if outcome.succeeded {
            guard let row = Self.parseListRow(outcome.output, name: handle.runtimeID), row.state.contains(where: { "scd".contains($0) }) else { return nil }
            state = "is \(row.state)"
        } else if Self.saysNoSuchDomain(outcome) {
            state = "is gone"
        } else {
            return nil
        }
        let console = consoleTail(of: handle.runtimeID)
        return "domain \(handle.runtimeID) \(state)" + (console.isEmpty ? " (its console is empty)" : "; its console's last lines: \(console.joined(separator: " | "))")
    }

    /// The last lines a guest wrote on its console, as xenconsoled logged them.
    func consoleTail(of name: String, lines: Int = 4) -> [String] {
        let file = consoleLogDirectory.appendingPathComponent("guest-\(name).log")
        guard let handle = try? FileHandle(forReadingFrom: file) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return Array(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.suffix(lines))
    }

    /// A guest's address lives on its own network stack behind the bridge, never on dom0's:
    /// the operator's records of live instances are what keeps two guests off one address.
    public nonisolated func addressIsFree(_ address: String, port: Int) -> Bool {
        !unownedAddresses.withLock { $0.contains(address) }
    }

    /// The guest's established TCP connections to its service port, as connection tracking
    /// sees them on the bridge (dom0's own socket table never holds a guest's connections).
    public func activeConnections(_ spec: InstanceSpec, handle: RuntimeHandle) async throws -> Int {
        let output = try await conntrack.expectSuccess(
            ["-L", "-p", "tcp", "--orig-dst", spec.address, "--orig-port-dst", "\(spec.port)", "--state", "ESTABLISHED"],
            operation: "conntrack -L")
        return output.split(separator: "\n").filter { $0.contains("ESTABLISHED") }.count
    }

    /// The instances whose specs this driver wrote, running or not. A state folder that cannot
    /// be read fails (nothing is assumed not to run). An `augur-` domain without a readable
    /// spec can be neither served nor removed later, so it is destroyed now; one that will not
    /// go keeps its address (from its kernel command line) out of use.
    public func discover() async throws -> [DiscoveredInstance] {
        let listed = try await domains()
        let files: [String]
        if FileManager.default.fileExists(atPath: directory.path) {
            do {
                files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            } catch {
                throw EdgeError.runtimeFailed(runtime: .xen, operation: "discover", reason: "cannot read the state folder \(directory.path): \(error)")
            }
        } else {
            files = []
        }
        let found: [DiscoveredInstance] = files.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let spec = (try? Data(contentsOf: directory.appendingPathComponent(file))).flatMap({ try? JSONDecoder().decode(InstanceSpec.self, from: $0) }) else { return nil }
            let name = String(file.dropLast(".json".count))
            return DiscoveredInstance(spec: spec, handle: RuntimeHandle(name), running: listed.contains { $0.name == name })
        }
        let known = Set(found.map(\.handle.runtimeID))
        var held: Set<String> = []
        for domain in listed where !known.contains(domain.name) {
            let gone = (try? await xl.run(["destroy", domain.name])).map(Self.isGone) ?? false
            if !gone, let address = domain.address { held.insert(address) }
        }
        unownedAddresses.withLock { $0 = held }
        return found
    }

    public func usage(of handle: RuntimeHandle) async throws -> InstanceUsage {
        let output = try await xl.expectSuccess(["list", handle.runtimeID], operation: "list")
        guard let row = Self.parseListRow(output, name: handle.runtimeID) else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "list", reason: "no row for \(handle.runtimeID)")
        }
        return InstanceUsage(cpuPercent: cpu.percent(handle.runtimeID, cpuSeconds: row.cpuSeconds), memoryBytes: row.memoryMegabytes << 20)
    }

    /// Augur's domains as `xl list -l` reports them (a JSON array of `{domid, config: {c_info:
    /// {name}, b_info: {cmdline}}}`), with the address the driver put on the kernel command line.
    private func domains() async throws -> [(name: String, domid: Int, address: String?)] {
        let output = try await xl.expectSuccess(["list", "-l"], operation: "list -l")
        guard !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        guard let entries = try? JSONDecoder().decode([ListedDomain].self, from: Data(output.utf8)) else {
            throw EdgeError.runtimeFailed(runtime: .xen, operation: "list -l", reason: "output is not xl's JSON domain list")
        }
        return entries.compactMap { entry in
            let name = entry.config.c_info.name
            return name.hasPrefix(Self.domainPrefix) ? (name, entry.domid, entry.config.b_info?.address) : nil
        }
    }

    /// The `xl` domain configuration file for an instance: the driver's own lines, then the
    /// artifact's allowed settings, each key once; memory and vcpus no more than the spec's.
    /// The artifact's `extra` comes before the driver's keys, so the guest (which keeps a
    /// key's last value) always has the address, gateway and port the driver gave it.
    static func domainConfiguration(
        _ spec: InstanceSpec, name: String, artifact: LocalArtifact, network: XenGuestNetwork, settings: DomainSettings.Validated
    ) -> String {
        var commandLine = ["console=hvc0"]
        if let extra = settings.extraCommandLine { commandLine.append(extra) }
        commandLine += ["augur.address=\(spec.address)/\(network.prefixLength)", "augur.port=\(spec.port)"]
        if let gateway = network.gateway { commandLine.append("augur.gateway=\(gateway)") }
        var lines: [(key: String, value: String)] = [("name", "\"\(name)\""), ("kernel", "\"\(artifact.kernel.path)\"")]
        if let ramdisk = artifact.ramdisk { lines.append(("ramdisk", "\"\(ramdisk.path)\"")) }
        let vcpus = max(1, Int(spec.cpus.rounded(.up)))
        lines += [
            ("memory", "\(spec.memoryMegabytes)"),
            ("vcpus", "\(vcpus)"),
            ("vif", "[ 'mac=\(macAddress(for: spec.id)),bridge=\(network.bridge)' ]"),
            ("extra", "\"\(commandLine.joined(separator: " "))\""),
            ("on_crash", "\"destroy\""),
        ]
        for (key, value) in settings.values.sorted(by: { $0.key < $1.key }) {
            lines.removeAll { $0.key == key }
            let bound = DomainSettings.memoryKeys.contains(key) ? spec.memoryMegabytes : DomainSettings.vcpuKeys.contains(key) ? vcpus : nil
            lines.append((key, bound.flatMap { bound in Int(value).map { "\(max(1, min($0, bound)))" } } ?? value))
        }
        return lines.map { "\($0.key) = \($0.value)" }.joined(separator: "\n") + "\n"
    }

    /// A stable locally administered MAC in Xen's 00:16:3e range, derived from the instance id.
    static func macAddress(for id: String) -> String {
        let hash = id.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        return String(format: "00:16:3e:%02x:%02x:%02x", (hash >> 16) & 0x7f, (hash >> 8) & 0xff, hash & 0xff)
    }

    /// A row of `xl list NAME`: `Name ID Mem VCPUs State Time(s)`.
    static func parseListRow(_ output: String, name: String) -> (memoryMegabytes: Int, state: String, cpuSeconds: Double)? {
        for line in output.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 6, fields[0] == name, let memory = Int(fields[2]), let time = Double(fields[5]) else { continue }
            return (memory, String(fields[4]), time)
        }
        return nil
    }
}

private struct ListedDomain: Decodable {
    struct Config: Decodable {
        struct Info: Decodable { var name: String }
        struct Build: Decodable {
            var cmdline: String?

            /// `augur.address=A/P` of the command line.
            var address: String? {
                cmdline?.split(separator: " ").first { $0.hasPrefix("augur.address=") }
                    .flatMap { $0.dropFirst("augur.address=".count).split(separator: "/").first.map(String.init) }
            }
        }
        var c_info: Info
        var b_info: Build?
    }

    var domid: Int
    var config: Config
}
