import AugurModel
import EdgeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Runs Nginx and Flask containers through the Docker Engine API: pulls from the private
/// registry, creates each container on the host network bound to the instance's own address
/// with the paper's CPU and memory limits, and labels it with its spec so that a restarted
/// operator finds it again.
public actor DockerDriver: RuntimeDriver {
    public nonisolated let runtime = RuntimeKind.docker
    public nonisolated let isEmulated = false
    private let engine: DockerEngine
    private let edge: String
    private let registryLogins: RegistryLogins
    private var lastCPU: [String: (container: UInt64, system: UInt64)] = [:]

    static let edgeLabel = "augur.edge"
    static let specLabel = "augur.spec"

    public init(socketPath: String, edge: String, registryLogins: RegistryLogins = [:]) {
        self.engine = DockerEngine(socketPath: socketPath)
        self.edge = edge
        self.registryLogins = registryLogins
    }

    /// Succeeds when the engine answers its ping.
    public func checkAnswers() async throws {
        try await engine.expectSuccess(.GET, "/_ping", operation: "ping")
    }

    public func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation {
        let reference = try ImageReference.parse(spec.image)
        if let local = try await inspectImage(reference) { return ImagePreparation(pulled: false, bytes: local.size, digest: local.id) }
        let from = reference.isDigest ? reference.description : reference.name
        let query = reference.isDigest ? ["fromImage": from] : ["fromImage": from, "tag": reference.reference]
        let login = registryLogins[reference.registry].map { ["X-Registry-Auth": $0.engineAuthentication(registry: reference.registry)] } ?? [:]
        let response = try await engine.send(.POST, "/images/create", query: query, headers: login)
        guard response.status == .ok else { throw pullError(reference, status: response.status.code, message: response.message) }
        // The engine answers 200 and then streams progress; a failure arrives as an "error" line.
        for line in String(buffer: response.body).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let message = object["error"] as? String else { continue }
            throw pullError(reference, status: 200, message: message)
        }
        guard let pulled = try await inspectImage(reference) else {
            throw EdgeError.imageNotFound(image: reference.description, reason: "the engine reported a pull but has no such image")
        }
        return ImagePreparation(pulled: true, bytes: pulled.size, digest: pulled.id)
    }

    public func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle {
        let labels = [Self.edgeLabel: edge, Self.specLabel: String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)]
        let body = ContainerCreate(
            Image: spec.image, Labels: labels,
            Env: ["AUGUR_ADDRESS=\(spec.address)", "AUGUR_PORT=\(spec.port)", "AUGUR_CONTENT=\(spec.content)"],
            HostConfig: .init(NetworkMode: "host", NanoCpus: Int64(spec.cpus * 1e9), Memory: Int64(spec.memoryMegabytes) << 20))
        let created = try await engine.expectSuccess(.POST, "/containers/create", operation: "create", query: ["name": "augur-\(spec.id)"], json: body)
        guard let id = (try? JSONDecoder().decode(CreatedContainer.self, from: Data(buffer: created.body)))?.Id else {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: "create", reason: "no container id in the answer")
        }
        do {
            try await engine.expectSuccess(.POST, "/containers/\(id)/start", operation: "start")
        } catch {
            let removal = try? await engine.send(.DELETE, "/containers/\(id)", query: ["force": "true"])
            guard let removal, (200..<300).contains(removal.status.code) || removal.status == .notFound else {
                throw EdgeError.leftBehind(instance: spec.id, address: spec.address, cause: "\(error)", destroy: "container \(id) not removed: \(removal.map { "\($0.status.code) \($0.message)" } ?? "engine unreachable")")
            }
            throw error
        }
        return RuntimeHandle(id)
    }

    public func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws {
        let response = try await engine.send(.DELETE, "/containers/\(handle.runtimeID)", query: ["force": "true", "v": "true"])
        lastCPU[handle.runtimeID] = nil
        guard (200..<300).contains(response.status.code) || response.status == .notFound else {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: "remove", reason: "\(response.status.code): \(response.message)")
        }
    }

    public func discover() async throws -> [DiscoveredInstance] {
        let filter = String(decoding: try JSONEncoder().encode(["label": ["\(Self.edgeLabel)=\(edge)"]]), as: UTF8.self)
        let response = try await engine.expectSuccess(.GET, "/containers/json", operation: "list", query: ["all": "true", "filters": filter])
        let containers: [ListedContainer]
        do {
            containers = try JSONDecoder().decode([ListedContainer].self, from: Data(buffer: response.body))
        } catch {
            // Never read as "nothing runs": a restarted operator would adopt nothing and orphan every container.
            throw EdgeError.runtimeFailed(runtime: .docker, operation: "list", reason: "unreadable container list: \(error)")
        }
        return containers.compactMap { container in
            guard let text = container.Labels[Self.specLabel], let spec = try? JSONDecoder().decode(InstanceSpec.self, from: Data(text.utf8)) else { return nil }
            return DiscoveredInstance(spec: spec, handle: RuntimeHandle(container.Id), running: container.State == "running")
        }
    }

    public func usage(of handle: RuntimeHandle) async throws -> InstanceUsage {
        let response = try await engine.expectSuccess(.GET, "/containers/\(handle.runtimeID)/stats", operation: "stats", query: ["stream": "false", "one-shot": "true"])
        let stats = try JSONDecoder().decode(ContainerStats.self, from: Data(buffer: response.body))
        let now = (container: stats.cpu_stats.cpu_usage.total_usage, system: stats.cpu_stats.system_cpu_usage ?? 0)
        defer { lastCPU[handle.runtimeID] = now }
        var percent = 0.0
        if let before = lastCPU[handle.runtimeID], now.system > before.system {
            let cores = Double(stats.cpu_stats.online_cpus ?? 1)
            percent = Double(now.container &- before.container) / Double(now.system - before.system) * cores * 100
        }
        return InstanceUsage(cpuPercent: percent, memoryBytes: Int(stats.memory_stats.usage ?? 0))
    }

    /// Untags (and so frees) the registry's images no live container needs; an image a
    /// container still uses is kept, as the engine refuses to remove it.
    public func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction {
        let response = try await engine.expectSuccess(.GET, "/images/json", operation: "list images")
        let images: [ListedImage]
        do {
            images = try JSONDecoder().decode([ListedImage].self, from: Data(buffer: response.body))
        } catch {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: "list images", reason: "unreadable image list: \(error)")
        }
        let kept = Set(keeping.compactMap { try? ImageReference.parse($0).description })
        let prefix = "\(registry)/"
        var eviction = ImageEviction()
        for image in images {
            let tags = (image.RepoTags ?? []).filter { $0 != "<none>:<none>" }
            let ours = tags.filter { $0.hasPrefix(prefix) }
            let names = tags.isEmpty && (image.RepoDigests ?? []).contains(where: { $0.hasPrefix(prefix) }) ? [image.Id] : ours
            guard !names.isEmpty, kept.isDisjoint(with: ours) else { continue }
            var removedAll = true
            for name in names {
                let answer = try await engine.send(.DELETE, "/images/\(name)")
                if answer.status == .conflict {
                    removedAll = false
                    break
                }
                guard (200..<300).contains(answer.status.code) || answer.status == .notFound else {
                    throw EdgeError.runtimeFailed(runtime: .docker, operation: "remove image \(name)", reason: "\(answer.status.code): \(answer.message)")
                }
            }
            if removedAll && names.count == max(1, tags.count) {
                eviction.images += 1
                eviction.bytes += image.Size
            }
        }
        return eviction
    }

    private func inspectImage(_ reference: ImageReference) async throws -> (id: String, size: Int)? {
        let response = try await engine.send(.GET, "/images/\(reference.description)/json")
        if response.status == .notFound { return nil }
        guard response.status == .ok, let image = try? JSONDecoder().decode(InspectedImage.self, from: Data(buffer: response.body)) else {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: "inspect image", reason: "\(response.status.code): \(response.message)")
        }
        return (image.Id, image.Size)
    }

    private func pullError(_ reference: ImageReference, status: UInt, message: String) -> EdgeError {
        let lowered = message.lowercased()
        if ["connection refused", "dial tcp", "no such host", "i/o timeout", "connection reset"].contains(where: lowered.contains) {
            return .registryUnreachable(registry: reference.registry, reason: message)
        }
        if lowered.contains("no basic auth credentials") || lowered.contains("unauthorized") || lowered.contains("authentication required") {
            return .registryRefused(registry: reference.registry, reason: registryLogins[reference.registry] == nil ? "it wants credentials (the topology's registry_credentials): \(message)" : message)
        }
        if status == 404 || lowered.contains("not found") || lowered.contains("manifest unknown") {
            return .imageNotFound(image: reference.description, reason: message)
        }
        return .runtimeFailed(runtime: .docker, operation: "pull", reason: "\(status): \(message)")
    }
}

// Engine API bodies, with the engine's own field names.
private struct ContainerCreate: Encodable {
    struct Host: Encodable {
        var NetworkMode: String
        var NanoCpus: Int64
        var Memory: Int64
    }

    var Image: String
    var Labels: [String: String]
    var Env: [String]
    var HostConfig: Host
}

private struct CreatedContainer: Decodable {
    var Id: String
}

private struct ListedContainer: Decodable {
    var Id: String
    var Labels: [String: String]
    var State: String
}

private struct ListedImage: Decodable {
    var Id: String
    var RepoTags: [String]?
    var RepoDigests: [String]?
    var Size: Int
}

private struct InspectedImage: Decodable {
    var Id: String
    var Size: Int
}

private struct ContainerStats: Decodable {
    struct CPU: Decodable {
        struct Usage: Decodable { var total_usage: UInt64 }
        var cpu_usage: Usage
        var system_cpu_usage: UInt64?
        var online_cpus: Int?
    }

    struct Memory: Decodable { var usage: UInt64? }

    var cpu_stats: CPU
    var memory_stats: Memory
}
