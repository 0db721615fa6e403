import AsyncHTTPClient
import AugurModel
import EdgeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The other side of an operator's API, for whoever drives the edges (the orchestrator,
/// `augur status`, benchmarks): typed calls, and errors that say which edge and why.
public struct EdgeClient: Sendable {
    public let edge: String
    let baseURL: String
    let token: String
    let client: HTTPClient

    public init(edge: String, baseURL: String, token: String, client: HTTPClient = FailFastHTTP.client) {
        self.edge = edge
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.client = client
    }

    /// Why a call to an operator did not give an answer.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case unreachable(edge: String, reason: String)
        case rejected(edge: String, status: Int, message: String)
        case unreadable(edge: String, reason: String)

        public var description: String {
            switch self {
            case .unreachable(let edge, let reason): "edge \(edge) unreachable: \(reason)"
            case .rejected(let edge, let status, let message): "edge \(edge) answered \(status): \(message)"
            case .unreadable(let edge, let reason): "edge \(edge) answered something unreadable: \(reason)"
            }
        }
    }

    public func create(_ request: CreateInstanceRequest, waitUntilReady: Bool = false) async throws -> EdgeInstance {
        try await call(.POST, "/v1/instances" + (waitUntilReady ? "?wait=true" : ""), body: request)
    }

    public func instances() async throws -> [EdgeInstance] {
        try await instances(since: nil).instances
    }

    /// The whole list, or what changed since `cursor` (see `InstanceList`).
    public func instances(since cursor: InstanceCursor?) async throws -> InstanceList {
        try await call(.GET, "/v1/instances" + (cursor.map { "?since=\($0)" } ?? ""))
    }

    /// The instance now, or (`waitUntilSettled`) once it is ready, failed or gone.
    public func instance(_ id: String, waitUntilSettled: Bool = false) async throws -> EdgeInstance {
        try await call(.GET, "/v1/instances/\(id)" + (waitUntilSettled ? "?wait=settled" : ""))
    }

    public func delete(_ id: String, drainSeconds: Double, waitUntilGone: Bool = false) async throws -> EdgeInstance {
        try await call(.DELETE, "/v1/instances/\(id)?drain=\(drainSeconds)" + (waitUntilGone ? "&wait=true" : ""))
    }

    /// Evicts the registry's images no live instance uses (of one runtime, or all).
    public func evictImages(runtime: RuntimeKind? = nil) async throws -> ImageEviction {
        try await call(.DELETE, "/v1/images" + (runtime.map { "?runtime=\($0.rawValue)" } ?? ""))
    }

    public func node() async throws -> NodeState {
        try await call(.GET, "/v1/node")
    }

    private func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(600))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Failure.unreachable(edge: edge, reason: "\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: bytes)))?.error.message ?? String(buffer: bytes)
            throw Failure.rejected(edge: edge, status: Int(response.status.code), message: message)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Answer.self, from: Data(buffer: bytes))
        } catch {
            throw Failure.unreadable(edge: edge, reason: "\(error)")
        }
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }
}
