import AugurModel
import EdgeWire
import Foundation

/// Augur's format for unikernel and microVM guests in the private registry: an OCI image
/// manifest with `artifactType` `application/vnd.augur.unikernel.v1`, a JSON config blob
/// (flavor, content, memory, extra `xl` domain settings from `DomainSettings`' allowlist), the
/// kernel layer and, for a guest that boots from an initial ramdisk (`xen-linux`: Debian's
/// kernel with a busybox initramfs holding the content), a ramdisk layer.
public enum UnikernelArtifact {
    public static let artifactType = "application/vnd.augur.unikernel.v1"
    public static let configMediaType = "application/vnd.augur.unikernel.config.v1+json"
    public static let kernelMediaType = "application/vnd.augur.unikernel.kernel.v1"
    public static let ramdiskMediaType = "application/vnd.augur.unikernel.ramdisk.v1"

    /// The config blob.
    public struct Config: Sendable, Hashable, Codable {
        public var flavor: String
        public var content: String
        public var memoryMegabytes: Int
        /// Extra `key = value` lines for the `xl` domain configuration (e.g. ClickOS's `extra`).
        public var domainSettings: [String: String]

        public init(flavor: String, content: String, memoryMegabytes: Int = 256, domainSettings: [String: String] = [:]) {
            self.flavor = flavor
            self.content = content
            self.memoryMegabytes = memoryMegabytes
            self.domainSettings = domainSettings
        }
    }

    /// A stand-in kernel of the paper's image size for a flavor and content: the content's
    /// payload followed by deterministic filler (there is no unikernel toolchain here).
    public static func standIn(payload: Data, flavor: Flavor, contentBytes: Int) -> Data {
        let total = max(payload.count, Int((flavor.imageMegabytes(forContentBytes: contentBytes) ?? 0) * 1_048_576))
        return payload + Data(GeneratedPayload(seed: UInt64(total), size: total - payload.count).bytes())
    }

    /// Uploads kernel, ramdisk (if any) and config and tags the manifest; returns the
    /// manifest's digest. Domain settings outside the allowlist are refused before any upload.
    public static func push(kernel: Data, ramdisk: Data? = nil, config: Config, to reference: ImageReference, login: RegistryLogin? = nil) async throws -> String {
        _ = try DomainSettings.validated(config.domainSettings, image: reference.description)
        let client = RegistryClient(registry: reference.registry, login: login)
        let configBlob = try await client.upload(try JSONEncoder().encode(config), mediaType: configMediaType, to: reference.repository)
        var layers = [try await client.upload(kernel, mediaType: kernelMediaType, to: reference.repository)]
        if let ramdisk { layers.append(try await client.upload(ramdisk, mediaType: ramdiskMediaType, to: reference.repository)) }
        let manifest = RegistryClient.Manifest(
            artifactType: artifactType, config: configBlob, layers: layers,
            annotations: ["org.opencontainers.image.title": "\(config.flavor) \(config.content)"])
        return try await client.put(manifest, repository: reference.repository, tag: reference.reference)
    }
}

/// A unikernel artifact made local: where its kernel is, its config, and whether it was pulled.
public struct LocalArtifact: Sendable, Hashable {
    public var kernel: URL
    public var ramdisk: URL?
    public var config: UnikernelArtifact.Config
    public var digest: String
    public var bytes: Int
    public var pulled: Bool
}

/// An edge's cache of unikernel artifacts: blobs by digest (verified when they arrived),
/// manifests by digest, and the digest each tag last resolved to, so that an image already
/// at the edge boots without the registry.
public actor ArtifactStore {
    private let directory: URL
    private let registryLogins: RegistryLogins
    private var downloads: [String: Task<Void, any Error>] = [:]
    /// The last artifact each image reference resolved to.
    private var resolved: [String: LocalArtifact] = [:]

    public init(directory: URL, registryLogins: RegistryLogins = [:]) {
        self.directory = directory
        self.registryLogins = registryLogins
    }

    /// Makes the artifact of an instance's image local, as a runtime's image preparation.
    public func prepare(_ spec: InstanceSpec) async throws -> ImagePreparation {
        let artifact = try await fetch(try ImageReference.parse(spec.image))
        return ImagePreparation(pulled: artifact.pulled, bytes: artifact.bytes, digest: artifact.digest)
    }

    /// The artifact `prepare` made local for this instance's image, without asking the registry
    /// again; fetched when it was not prepared here.
    public func prepared(_ spec: InstanceSpec) async throws -> LocalArtifact {
        let reference = try ImageReference.parse(spec.image)
        if let artifact = resolved[reference.description] { return artifact }
        return try await fetch(reference)
    }

    public func fetch(_ reference: ImageReference) async throws -> LocalArtifact {
        let client = RegistryClient(registry: reference.registry, logins: registryLogins)
        let tag = tagFile(reference)
        var resolved: (digest: String, manifest: RegistryClient.Manifest)
        do {
            resolved = try await client.manifest(reference)
        } catch EdgeError.registryUnreachable(let registry, let reason) {
            let cachedDigest = reference.isDigest ? reference.reference : (try? String(contentsOf: tag, encoding: .utf8))
            guard let cachedDigest, RegistryClient.Descriptor.isValidDigest(cachedDigest), let cached = cachedManifest(cachedDigest) else {
                throw EdgeError.registryUnreachable(registry: registry, reason: reason)
            }
            resolved = (cachedDigest, cached)
        }
        let manifest = resolved.manifest
        guard manifest.artifactType == UnikernelArtifact.artifactType || manifest.config.mediaType == UnikernelArtifact.configMediaType,
            let kernelDescriptor = manifest.layers.first(where: { $0.mediaType == UnikernelArtifact.kernelMediaType })
        else {
            throw EdgeError.imageNotFound(image: reference.description, reason: "not a unikernel artifact (\(UnikernelArtifact.artifactType))")
        }
        let ramdiskDescriptor = manifest.layers.first { $0.mediaType == UnikernelArtifact.ramdiskMediaType }
        var pulled = false
        for descriptor in [manifest.config, kernelDescriptor] + (ramdiskDescriptor.map { [$0] } ?? []) where !has(descriptor) {
            try await blob(descriptor, of: reference, client: client)
            pulled = true
        }
        guard let config = try? JSONDecoder().decode(UnikernelArtifact.Config.self, from: Data(contentsOf: blobPath(manifest.config.digest))) else {
            throw EdgeError.imageNotFound(image: reference.description, reason: "the artifact's config is not \(UnikernelArtifact.configMediaType)")
        }
        try FileManager.default.createDirectory(at: tag.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(resolved.digest.utf8).write(to: tag)
        let manifestFile = blobPath(resolved.digest)
        if !FileManager.default.fileExists(atPath: manifestFile.path) {
            try JSONEncoder().encode(manifest).write(to: manifestFile)
        }
        let artifact = LocalArtifact(
            kernel: blobPath(kernelDescriptor.digest), ramdisk: ramdiskDescriptor.map { blobPath($0.digest) }, config: config, digest: resolved.digest,
            bytes: manifest.layers.reduce(manifest.config.size) { $0 + $1.size }, pulled: pulled)
        self.resolved[reference.description] = artifact
        return artifact
    }

    /// Forgets every artifact but those of `keeping` (image references): their tags, and every
    /// blob no kept artifact needs. Blobs still downloading stay. A file that cannot be removed
    /// fails the eviction as `runtime`'s.
    public func evict(keeping: Set<String>, for runtime: RuntimeKind) throws(EdgeError) -> ImageEviction {
        do {
            return try evictFiles(keeping: keeping)
        } catch {
            throw EdgeError.runtimeFailed(runtime: runtime, operation: "evict artifacts", reason: "\(error)")
        }
    }

    private func evictFiles(keeping: Set<String>) throws -> ImageEviction {
        let manager = FileManager.default
        let tags = directory.appendingPathComponent("tags")
        let kept = Set(keeping.compactMap { try? ImageReference.parse($0) })
        let keptTags = Set(kept.map { tagFile($0).lastPathComponent })
        var keptDigests = Set(downloads.keys)
        var eviction = ImageEviction()
        for name in (try? manager.contentsOfDirectory(atPath: tags.path)) ?? [] {
            let file = tags.appendingPathComponent(name)
            guard keptTags.contains(name) else {
                try manager.removeItem(at: file)
                eviction.images += 1
                continue
            }
            guard let digest = try? String(contentsOf: file, encoding: .utf8) else { continue }
            keptDigests.insert(digest)
            if let manifest = cachedManifest(digest) { keptDigests.formUnion([manifest.config.digest] + manifest.layers.map(\.digest)) }
        }
        let blobs = directory.appendingPathComponent("blobs/sha256")
        for name in (try? manager.contentsOfDirectory(atPath: blobs.path)) ?? [] where !name.hasSuffix(".partial") && !keptDigests.contains("sha256:\(name)") {
            let file = blobs.appendingPathComponent(name)
            eviction.bytes += (try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0
            try manager.removeItem(at: file)
        }
        resolved = resolved.filter { key, _ in kept.contains { $0.description == key } }
        return eviction
    }

    private func tagFile(_ reference: ImageReference) -> URL {
        directory.appendingPathComponent("tags/\(reference.description.replacingOccurrences(of: "/", with: "_"))")
    }

    /// Downloads a blob once however many deploys ask for it at the same time.
    private func blob(_ descriptor: RegistryClient.Descriptor, of reference: ImageReference, client: RegistryClient) async throws {
        if let running = downloads[descriptor.digest] { return try await running.value }
        let target = blobPath(descriptor.digest)
        let download = Task {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let partial = target.appendingPathExtension("partial")
            try await client.download(descriptor, of: reference, to: partial)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: partial, to: target)
        }
        downloads[descriptor.digest] = download
        defer { downloads[descriptor.digest] = nil }
        try await download.value
    }

    private func has(_ descriptor: RegistryClient.Descriptor) -> Bool {
        (try? blobPath(descriptor.digest).resourceValues(forKeys: [.fileSizeKey]))?.fileSize == descriptor.size
    }

    private func cachedManifest(_ digest: String) -> RegistryClient.Manifest? {
        guard RegistryClient.Descriptor.isValidDigest(digest) else { return nil }
        let manifest = (try? Data(contentsOf: blobPath(digest))).flatMap { try? JSONDecoder().decode(RegistryClient.Manifest.self, from: $0) }
        guard let manifest, ([manifest.config] + manifest.layers).allSatisfy({ RegistryClient.Descriptor.isValidDigest($0.digest) }) else { return nil }
        return manifest
    }

    private func blobPath(_ digest: String) -> URL {
        directory.appendingPathComponent("blobs/sha256/\(digest.dropFirst("sha256:".count))")
    }
}
