import AsyncHTTPClient
import AugurModel
import Crypto
import Deadline
import Foundation
import NIOCore

/// What one user saw: which address served it and how long each part took, or why it failed.
public struct UserResult: Sendable, Hashable, Codable {
    public var address: String?
    /// When the balancer's answer arrived (wall clock: the testbed's users run in another process).
    public var resolvedAt: Date?
    /// Request sent to the response's head (time to first byte), seconds.
    public var responseSeconds: Double?
    /// Head to the last byte, seconds.
    public var downloadSeconds: Double?
    public var bytes: Int
    /// The SHA-256 of the bytes received, in hex (only from a session that digests).
    public var sha256: String?
    public var failure: WorkloadFailure?

    public init(
        address: String? = nil, resolvedAt: Date? = nil, responseSeconds: Double? = nil, downloadSeconds: Double? = nil, bytes: Int = 0, sha256: String? = nil,
        failure: WorkloadFailure? = nil
    ) {
        self.address = address
        self.resolvedAt = resolvedAt
        self.responseSeconds = responseSeconds
        self.downloadSeconds = downloadSeconds
        self.bytes = bytes
        self.sha256 = sha256
        self.failure = failure
    }

    /// Response plus download: the paper's total delivery time.
    public var totalSeconds: Double? {
        guard let responseSeconds, let downloadSeconds else { return nil }
        return responseSeconds + downloadSeconds
    }

    /// Megabytes per second over the total delivery time.
    public var throughput: Double? {
        guard let total = totalSeconds, total > 0 else { return nil }
        return Double(bytes) / 1_048_576 / total
    }
}

/// One user: resolve the content's name through the balancer (or take a given address),
/// download the object over HTTP from the first answered address, and time it.
public struct UserSession: Sendable {
    /// Where a user learns the address it downloads from.
    public enum Source: Sendable {
        /// The balancer's answer to the content's name.
        case balancer(Resolver)
        /// One address, no lookup (an instance tested on its own).
        case address(String)
    }

    public let source: Source
    public let client: HTTPClient
    public let port: Int
    /// Whether each result carries the SHA-256 of what it received (to check bytes, not only their count).
    public let digests: Bool

    public init(resolver: Resolver, client: HTTPClient = .shared, port: Int, digests: Bool = false) {
        self.init(source: .balancer(resolver), client: client, port: port, digests: digests)
    }

    public init(source: Source, client: HTTPClient = .shared, port: Int, digests: Bool = false) {
        self.source = source
        self.client = client
        self.port = port
        self.digests = digests
    }

    public func fetch(name: String, path: String, expectedBytes: Int) async -> UserResult {
        var result = UserResult(bytes: 0)
        switch source {
        case .address(let address):
            result.address = address
        case .balancer(let resolver):
            do {
                result.address = try await resolver.resolve(name)[0]
                result.resolvedAt = Date()
            } catch {
                result.failure = error
                return result
            }
        }
        guard let address = result.address else { return result }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await client.execute(HTTPClientRequest(url: "http://\(address):\(port)\(path)"), timeout: .seconds(120))
            let head = clock.now
            result.responseSeconds = (head - started).inSeconds
            guard response.status == .ok else {
                result.failure = .http(Int(response.status.code))
                return result
            }
            var digest = digests ? SHA256() : nil
            for try await chunk in response.body {
                result.bytes += chunk.readableBytes
                chunk.withUnsafeReadableBytes { digest?.update(bufferPointer: $0) }
            }
            result.downloadSeconds = (clock.now - head).inSeconds
            result.sha256 = digest?.finalize().map { String(format: "%02x", $0) }.joined()
            if result.bytes != expectedBytes { result.failure = .shortRead(got: result.bytes, expected: expectedBytes) }
        } catch let error as HTTPClientError where error == .connectTimeout || error == .remoteConnectionClosed {
            result.failure = .refused("\(error)")
        } catch {
            let text = "\(error)"
            result.failure = text.contains("onnection refused") ? .refused(text) : .transfer(text)
        }
        return result
    }
}

/// Runs a round's users as child tasks (not a thread per user), each starting at its offset
/// from the round's start, and returns them all.
public enum Round {
    public static func run(offsets: [Duration], session: UserSession, name: String, path: String, expectedBytes: Int) async -> [UserResult] {
        await withTaskGroup(of: UserResult.self) { group in
            for offset in offsets {
                group.addTask {
                    if offset > .zero { try? await Task.sleep(for: offset) }
                    return await session.fetch(name: name, path: path, expectedBytes: expectedBytes)
                }
            }
            var results: [UserResult] = []
            for await result in group { results.append(result) }
            return results
        }
    }
}

extension Round {
    /// The users of `item` arriving at `offsets`, downloading it through `session`.
    public static func run(offsets: [Duration], of item: ContentItem, topology: Topology, session: UserSession) async -> [UserResult] {
        await run(offsets: offsets, session: session, name: "\(item.name).\(topology.zone.description)", path: "/\(item.name)", expectedBytes: item.sizeBytes)
    }
}
