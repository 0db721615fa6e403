import APIServing
import AugurModel
import EdgeWire
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

extension EdgeInstance: ResponseEncodable {}
extension NodeState: ResponseEncodable {}
extension ImageEviction: ResponseEncodable {}
extension InstanceList: ResponseEncodable {}

/// The operator's HTTP API:
/// `POST /v1/instances` (body `CreateInstanceRequest`; `?wait=true` answers once ready or failed),
/// `GET /v1/instances[?since=CURSOR]` (from a cursor an earlier list gave, only what changed since, when the operator can tell), `GET /v1/instances/{id}` (`?wait=settled` answers once it is ready, failed or gone), `DELETE /v1/instances/{id}?drain=SECONDS[&wait=true]`,
/// `DELETE /v1/images[?runtime=KIND]` (evicts the registry's images no live instance uses), `GET /v1/node`, and `GET /v1/events` (server-sent events, one `instance` event per change).
/// Every call needs the bearer token but `GET /healthz` (see `APIAccess`).
public enum EdgeAPI {
    /// `heartbeat`: how often a quiet event stream writes a comment (see `EventStreamBody`).
    public static func router(
        for edge: EdgeOperator, token: String, publicRead: Bool = false, admission: APIAdmission = APIAdmission(), heartbeat: Duration = .seconds(15)
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIAccess(token: token, publicRead: publicRead, admission: admission))
        router.get("healthz") { _, _ in "ok\n" }
        let v1 = router.group("v1")
        v1.get("node") { _, _ in await edge.nodeState() }
        v1.get("instances") { request, _ in
            guard let text = request.uri.queryParameters.get("since") else { return await edge.instances(since: nil) }
            guard let cursor = InstanceCursor(text) else { throw HTTPError(.badRequest, message: "since must be a cursor an earlier list gave, RUN.REVISION") }
            return await edge.instances(since: cursor)
        }
        v1.get("instances/:id") { request, context in
            let id = try context.parameters.require("id")
            guard request.uri.queryParameters.get("wait") == "settled" else { return try await mapped { try await edge.instance(id) } }
            return try await mapped { try await edge.settled(id, in: [.ready]) }
        }
        v1.post("instances") { request, context in
            let body: CreateInstanceRequest
            do {
                let bytes = try await request.body.collect(upTo: 1 << 20)
                body = try JSONDecoder().decode(CreateInstanceRequest.self, from: Data(buffer: bytes))
            } catch {
                throw HTTPError(.badRequest, message: "the body is not an instance request: \(describe(error))")
            }
            let created = try await mapped { try await edge.create(body) }
            guard request.uri.queryParameters.get("wait") == "true" else { return EditedResponse(status: .accepted, response: created) }
            let settled = try await edge.settled(created.spec.id, in: [.ready])
            return EditedResponse(status: settled.phase == .ready ? .created : .accepted, response: settled)
        }
        v1.delete("instances/:id") { request, context in
            let id = try context.parameters.require("id")
            var drain: Duration?
            if let text = request.uri.queryParameters.get("drain") {
                guard let seconds = Double(text), seconds >= 0, seconds <= 3_600 else {
                    throw HTTPError(.badRequest, message: "drain must be a number of seconds from 0 to 3600")
                }
                drain = .milliseconds(Int64(seconds * 1_000))
            }
            let removing = try await mapped { try await edge.delete(id, drain: drain) }
            guard request.uri.queryParameters.get("wait") == "true" else { return EditedResponse(status: .accepted, response: removing) }
            return EditedResponse(status: .ok, response: try await edge.settled(id, in: [.gone]))
        }
        v1.delete("images") { request, _ in
            var runtime: RuntimeKind?
            if let text = request.uri.queryParameters.get("runtime") {
                guard let kind = RuntimeKind(rawValue: String(text)) else {
                    throw HTTPError(.badRequest, message: "runtime must be one of \(RuntimeKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                runtime = kind
            }
            return try await mapped { try await edge.evictImages(runtime: runtime) }
        }
        v1.get("events") { _, _ in
            let frames = await edge.events().map { @Sendable instance in
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                let data = (try? encoder.encode(instance)) ?? Data()
                return "event: instance\nid: \(instance.spec.id)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: EventStreamBody.make(opening: ": augur edge events\n\n", frames: frames, heartbeat: heartbeat))
        }
        return router
    }

    /// Turns the operator's errors into HTTP answers with the reason as the message.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EdgeError {
            switch error {
            case .invalidRequest: throw HTTPError(.badRequest, message: error.description)
            case .unknownInstance: throw HTTPError(.notFound, message: error.description)
            case .limitReached, .addressInUse: throw HTTPError(.conflict, message: error.description)
            default: throw HTTPError(.internalServerError, message: error.description)
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}
