import AugurModel
import EdgeWire
import Foundation

/// For testbeds without a hypervisor: each instance is a real nginx process serving the
/// content at the instance's own address, started and stopped on the flavor's measured
/// timing profile (`Topology/flavors.yaml`). The unikernel artifact is still pulled from the
/// registry and verified, so image transfers are real. Everything it reports is marked emulated.
public actor EmulatedDriver: RuntimeDriver {
    public nonisolated let runtime = RuntimeKind.emulated
    public nonisolated let isEmulated = true
    private let flavors: [String: Flavor]
    private let payloads: URL
    private let directory: URL
    private let artifacts: ArtifactStore
    private let nginx: ToolCommand
    private var cpu = CPURate()

    public init(flavors: [String: Flavor], payloads: URL, stateDirectory: URL, nginx: String = "/usr/sbin/nginx", registryLogins: RegistryLogins = [:]) {
        self.flavors = flavors
        self.payloads = payloads
        self.directory = stateDirectory.appendingPathComponent("emulated")
        self.artifacts = ArtifactStore(directory: stateDirectory.appendingPathComponent("artifacts"), registryLogins: registryLogins)
        self.nginx = ToolCommand(executable: nginx, runtime: .emulated)
    }

    public func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation {
        try await artifacts.prepare(spec)
    }

    public func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction {
        try await artifacts.evict(keeping: keeping, for: .emulated)
    }

    public func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle {
        let payload = payloads.appendingPathComponent(spec.content)
        guard FileManager.default.fileExists(atPath: payload.path) else {
            throw EdgeError.runtimeFailed(runtime: .emulated, operation: "boot", reason: "no payload \(payload.path) (run Scripts/generate-content)")
        }
        let home = instanceDirectory(spec.id)
        let www = home.appendingPathComponent("www")
        try? FileManager.default.removeItem(at: home)
        try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: www.appendingPathComponent(spec.content), withDestinationURL: payload)
        try JSONEncoder().encode(spec).write(to: home.appendingPathComponent("spec.json"))
        try configuration(spec, home: home).write(to: home.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(flavors[spec.flavor]?.timing.bootMilliseconds ?? 0))
        try await nginx.expectSuccess(["-p", home.path, "-c", home.appendingPathComponent("nginx.conf").path, "-e", home.appendingPathComponent("error.log").path], operation: "start nginx")
        return RuntimeHandle(spec.id)
    }

    public func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws {
        try? await Task.sleep(for: .milliseconds(flavors[spec.flavor]?.timing.removalMilliseconds ?? 0))
        let home = instanceDirectory(handle.runtimeID)
        // nginx daemonizes into a session of its own: signalling the group reaches the workers
        // even when the master is already gone.
        if let pid = pid(of: handle.runtimeID) {
            kill(-pid, SIGTERM)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(3)
            while ProcessUsage.isGroupAlive(pid), clock.now < deadline { try? await Task.sleep(for: .milliseconds(2)) }
            if ProcessUsage.isGroupAlive(pid) { kill(-pid, SIGKILL) }
        }
        cpu.forget(handle.runtimeID)
        try? FileManager.default.removeItem(at: home)
    }

    public func discover() async throws -> [DiscoveredInstance] {
        let names: [String]
        do {
            names = FileManager.default.fileExists(atPath: directory.path) ? try FileManager.default.contentsOfDirectory(atPath: directory.path) : []
        } catch {
            throw EdgeError.runtimeFailed(runtime: .emulated, operation: "list", reason: "cannot read \(directory.path): \(error)")
        }
        return names.sorted().compactMap { name in
            let file = instanceDirectory(name).appendingPathComponent("spec.json")
            guard let spec = (try? Data(contentsOf: file)).flatMap({ try? JSONDecoder().decode(InstanceSpec.self, from: $0) }) else { return nil }
            let running = pid(of: name).map(ProcessUsage.isAlive) ?? false
            return DiscoveredInstance(spec: spec, handle: RuntimeHandle(name), running: running)
        }
    }

    public func usage(of handle: RuntimeHandle) async throws -> InstanceUsage {
        guard let pid = pid(of: handle.runtimeID), let tree = ProcessUsage.tree(of: pid) else {
            throw EdgeError.runtimeFailed(runtime: .emulated, operation: "usage", reason: "instance \(handle.runtimeID) is not running")
        }
        return InstanceUsage(cpuPercent: cpu.percent(handle.runtimeID, cpuSeconds: tree.cpuSeconds), memoryBytes: tree.residentBytes)
    }

    /// `user NAME GROUP;` of this process when it is root (nginx reads it only then); else nothing.
    static let workerUser: String = {
        guard geteuid() == 0, let user = getpwuid(geteuid()), let group = getgrgid(getegid()) else { return "" }
        return "user \(String(cString: user.pointee.pw_name)) \(String(cString: group.pointee.gr_name));"
    }()

    private func instanceDirectory(_ id: String) -> URL {
        directory.appendingPathComponent(id)
    }

    /// The instance's nginx master (its process group) from its pid file, only when that
    /// group is this instance's nginx: the master's command line names the instance's folder,
    /// or (the master gone) every process left in the group is an nginx worker. A stale file
    /// (after a reboot, the pid reused) or one naming pid 1 or less is never acted on.
    func pid(of id: String) -> Int32? {
        guard let text = try? String(contentsOf: instanceDirectory(id).appendingPathComponent("nginx.pid"), encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return nil }
        if let master = ProcessUsage.commandLine(pid) {
            return master.hasPrefix("nginx: master process") && master.contains(" -p \(instanceDirectory(id).path) ") ? pid : nil
        }
        let members = ProcessUsage.members(of: pid)
        let workers = !members.isEmpty && members.allSatisfy { ProcessUsage.commandLine($0)?.hasPrefix("nginx: worker process") == true }
        return workers ? pid : nil
    }

    /// One master and one worker (the paper's 1 vCPU), listening only on the instance's address.
    /// The worker runs as the operator's own user (nginx would make it `nobody` under root), so
    /// it reads what the operator wrote wherever the state lives, a private folder included.
    private func configuration(_ spec: InstanceSpec, home: URL) -> String {
        let path = home.path
        return """
            \(Self.workerUser)
            worker_processes 1;
            daemon on;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 1024; }
            http {
              access_log off;
              sendfile on;
              default_type application/octet-stream;
              client_body_temp_path \(path)/body;
              proxy_temp_path \(path)/proxy;
              fastcgi_temp_path \(path)/fastcgi;
              uwsgi_temp_path \(path)/uwsgi;
              scgi_temp_path \(path)/scgi;
              server {
                listen \(spec.address):\(spec.port);
                root \(path)/www;
                location = \(spec.readinessPath) { return 200 "ready\\n"; }
              }
            }

            """
    }
}
