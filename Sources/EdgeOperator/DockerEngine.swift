import AsyncHTTPClient
import AugurModel
import EdgeLink
import EdgeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of the Docker Engine API over its unix socket: the calls the docker driver
/// makes, each mapped to an `EdgeError` that names the socket and the reason.
struct DockerEngine: Sendable {
    let socketPath: String
    let client: HTTPClient
    private let apiVersion = "v1.41"

    init(socketPath: String, client: HTTPClient = FailFastHTTP.client) {
        self.socketPath = socketPath
        self.client = client
    }

    struct Response {
        var status: HTTPResponseStatus
        var body: ByteBuffer

        var message: String {
            let decoded = try? JSONDecoder().decode([String: String].self, from: Data(buffer: body))
            return decoded?["message"] ?? String(buffer: body)
        }
    }

    /// Sends one request and collects the answer (up to 64 MiB: pull progress can be long).
    func send(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], json: (any Encodable)? = nil, headers: [String: String] = [:],
        timeout: TimeAmount = .seconds(600)
    ) async throws -> Response {
        var components = URLComponents()
        components.path = "/\(apiVersion)\(path)"
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let uri = components.string, let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: path, reason: "cannot form a request URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        // The engine is HTTP/1.1 and insists on a Host header, which a unix-socket URL does not give.
        request.headers.add(name: "Host", value: "docker")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(json)))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 << 20)
            return Response(status: response.status, body: body)
        } catch let error as EdgeError {
            throw error
        } catch {
            throw EdgeError.runtimeUnreachable(runtime: .docker, endpoint: socketPath, reason: "\(error)")
        }
    }

    /// Sends a request that must answer 2xx; anything else becomes `runtimeFailed`.
    @discardableResult
    func expectSuccess(_ method: HTTPMethod, _ path: String, operation: String, query: [String: String] = [:], json: (any Encodable)? = nil) async throws -> Response {
        let response = try await send(method, path, query: query, json: json)
        guard (200..<300).contains(response.status.code) else {
            throw EdgeError.runtimeFailed(runtime: .docker, operation: operation, reason: "\(response.status.code): \(response.message)")
        }
        return response
    }
}
