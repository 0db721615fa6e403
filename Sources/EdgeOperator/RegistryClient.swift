import AsyncHTTPClient
import Crypto
import EdgeLink
import EdgeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of the OCI Distribution API (the private registry) for what containers do not
/// get through their engine: unikernel artifacts. Every blob is checked against its sha256
/// digest while it streams; a mismatch fails the pull and keeps nothing. A manifest pulled by
/// tag must hash to the digest the registry names for it. With a login, every request carries
/// it (HTTP Basic, the registry's htpasswd).
public struct RegistryClient: Sendable {
    public static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    let registry: String
    let login: RegistryLogin?
    let client: HTTPClient

    public init(registry: String, login: RegistryLogin? = nil, client: HTTPClient = FailFastHTTP.client) {
        self.registry = registry
        self.login = login
        self.client = client
    }

    /// A client of `registry` with its login among `logins`, if it has one.
    public init(registry: String, logins: RegistryLogins) {
        self.init(registry: registry, login: logins[registry])
    }

    /// An OCI content descriptor.
    public struct Descriptor: Sendable, Hashable, Codable {
        public var mediaType: String
        public var digest: String
        public var size: Int

        public init(mediaType: String, digest: String, size: Int) {
            self.mediaType = mediaType
            self.digest = digest
            self.size = size
        }

        /// `sha256:` and 64 lower-case hex digits, the only digests Augur accepts: a digest
        /// becomes a file name in an edge's store, so nothing else (`..`, `/`) may reach it.
        public static func isValidDigest(_ digest: String) -> Bool {
            let hex = digest.utf8.dropFirst("sha256:".utf8.count)
            return digest.hasPrefix("sha256:") && hex.count == 64 && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
    }

    /// An OCI image manifest (schema 2), as artifacts use it.
    public struct Manifest: Sendable, Hashable, Codable {
        public var schemaVersion = 2
        public var mediaType = RegistryClient.manifestMediaType
        public var artifactType: String?
        public var config: Descriptor
        public var layers: [Descriptor]
        public var annotations: [String: String]?
    }

    public static func digest(of bytes: some DataProtocol) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Pulling

    /// The manifest and its digest; a digest reference is verified against the bytes received.
    public func manifest(_ reference: ImageReference) async throws -> (digest: String, manifest: Manifest) {
        let response = try await send(.GET, "/v2/\(reference.repository)/manifests/\(reference.reference)", image: reference, headers: ["Accept": Self.manifestMediaType])
        let digest = Self.digest(of: Data(buffer: response.body))
        if reference.isDigest, digest != reference.reference {
            throw EdgeError.digestMismatch(image: reference.description, expected: reference.reference, actual: digest)
        }
        // By tag: the bytes must be the manifest the registry says the tag names.
        guard let named = response.headers.first(name: "Docker-Content-Digest") else {
            throw EdgeError.imageNotFound(image: reference.description, reason: "the registry named no digest for the manifest (Docker-Content-Digest)")
        }
        if named != digest {
            throw EdgeError.digestMismatch(image: reference.description, expected: named, actual: digest)
        }
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(buffer: response.body)) else {
            throw EdgeError.imageNotFound(image: reference.description, reason: "the registry's answer is not an OCI manifest")
        }
        for descriptor in [manifest.config] + manifest.layers where !Descriptor.isValidDigest(descriptor.digest) || descriptor.size < 0 {
            throw EdgeError.imageNotFound(
                image: reference.description, reason: "the manifest names a blob '\(descriptor.digest)' (\(descriptor.size) bytes): only sha256: and 64 hex digits are accepted")
        }
        return (digest, manifest)
    }

    /// Streams a blob into `file`, hashing as it goes; removes the file and throws on a digest mismatch.
    public func download(_ descriptor: Descriptor, of reference: ImageReference, to file: URL) async throws {
        var request = HTTPClientRequest(url: "http://\(registry)/v2/\(reference.repository)/blobs/\(descriptor.digest)")
        request.method = .GET
        authorize(&request)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(3_600))
        } catch {
            throw EdgeError.registryUnreachable(registry: registry, reason: "\(error)")
        }
        guard response.status == .ok else {
            if response.status == .unauthorized { throw refused() }
            throw EdgeError.imageNotFound(image: "\(reference.name)@\(descriptor.digest)", reason: "registry answered \(response.status.code)")
        }
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        var hasher = SHA256()
        var received = 0
        do {
            for try await chunk in response.body {
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try handle.write(contentsOf: Data(buffer: chunk))
                received += chunk.readableBytes
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: file)
            throw EdgeError.registryUnreachable(registry: registry, reason: "blob \(descriptor.digest) cut off after \(received) bytes: \(error)")
        }
        let actual = "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard actual == descriptor.digest, received == descriptor.size else {
            try? FileManager.default.removeItem(at: file)
            throw EdgeError.digestMismatch(image: reference.description, expected: descriptor.digest, actual: actual)
        }
    }

    // MARK: Pushing

    /// Uploads a blob unless the registry already has it (monolithic upload: POST, then PUT with the digest).
    public func upload(_ data: Data, mediaType: String, to repository: String) async throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, digest: Self.digest(of: data), size: data.count)
        let image = ImageReference("\(registry)/\(repository)@\(descriptor.digest)")
        if let head = try? await send(.HEAD, "/v2/\(repository)/blobs/\(descriptor.digest)", image: image), head.status == .ok {
            return descriptor
        }
        let started = try await send(.POST, "/v2/\(repository)/blobs/uploads/", image: image, expect: [.accepted])
        guard let location = started.headers.first(name: "Location") else {
            throw EdgeError.registryUnreachable(registry: registry, reason: "no upload location in the registry's answer")
        }
        let separator = location.contains("?") ? "&" : "?"
        let target = location.hasPrefix("http") ? location : "http://\(registry)\(location)"
        var request = HTTPClientRequest(url: "\(target)\(separator)digest=\(descriptor.digest)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(data: data))
        let response = try await execute(request)
        guard response.status == .created else {
            throw EdgeError.registryUnreachable(registry: registry, reason: "blob upload answered \(response.status.code)")
        }
        return descriptor
    }

    /// Stores a manifest under a tag and returns its digest.
    public func put(_ manifest: Manifest, repository: String, tag: String) async throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(manifest)
        var request = HTTPClientRequest(url: "http://\(registry)/v2/\(repository)/manifests/\(tag)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: Self.manifestMediaType)
        request.body = .bytes(ByteBuffer(data: data))
        let response = try await execute(request)
        guard response.status == .created else {
            let body = try? await response.body.collect(upTo: 1 << 16)
            throw EdgeError.registryUnreachable(registry: registry, reason: "manifest upload answered \(response.status.code): \(body.map { String(buffer: $0) } ?? "")")
        }
        return Self.digest(of: data)
    }

    // MARK: Plumbing

    private func authorize(_ request: inout HTTPClientRequest) {
        if let login { request.headers.replaceOrAdd(name: "Authorization", value: login.basicAuthorization) }
    }

    /// The registry's 401, which says whether a login was sent.
    private func refused() -> EdgeError {
        .registryRefused(
            registry: registry,
            reason: login == nil
                ? "the registry wants credentials: give the topology registry_credentials (Scripts/registry start --credentials FILE)"
                : "the registry refused the login '\(login?.username ?? "")' of the topology's registry_credentials")
    }

    private struct Answer {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Succeeds when the registry answers its API's base endpoint.
    public func checkAnswers() async throws {
        _ = try await send(.GET, "/v2/", image: nil)
    }

    private func send(_ method: HTTPMethod, _ path: String, image: ImageReference?, headers: [String: String] = [:], expect: Set<HTTPResponseStatus> = [.ok]) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://\(registry)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await execute(request)
        let body = try await response.body.collect(upTo: 16 << 20)
        guard expect.contains(response.status) else {
            let name = image?.description ?? "\(registry)\(path)"
            if response.status == .unauthorized { throw refused() }
            if response.status == .notFound { throw EdgeError.imageNotFound(image: name, reason: "the registry has no such manifest or blob") }
            throw EdgeError.registryUnreachable(registry: registry, reason: "\(method) \(path) answered \(response.status.code)")
        }
        return Answer(status: response.status, headers: response.headers, body: body)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        var request = request
        authorize(&request)
        do {
            return try await client.execute(request, timeout: .seconds(600))
        } catch {
            throw EdgeError.registryUnreachable(registry: registry, reason: "\(error)")
        }
    }
}
