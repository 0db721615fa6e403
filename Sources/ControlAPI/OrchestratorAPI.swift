import APIServing
import AugurModel
import EdgeWire
import Foundation
import Hummingbird
import NIOCore
import Orchestrator
import Planning
import Prometheus

/// The operators' HTTP API of `augur serve`. Reads are open; every mutating call needs the
/// bearer token.
/// - `GET /v1/status`: a summary (intervals, training, the latest plan, edges, instances)
/// - `GET /v1/content`, `PUT /v1/content/{name}` (body `ContentChange`)
/// - `GET /v1/topology`, `GET /v1/instances`
/// - `GET /v1/counts?content=C&since=T&limit=N`, `GET /v1/forecasts?content=C&since=T&limit=N`: time series, newest N from T on
/// - `GET /v1/plans?limit=N`: closed intervals with their actions and outcomes
/// - `GET /v1/events?limit=N`, and `GET /metrics` in the Prometheus text format
/// - `GET /v1/overview?limit=N&search=S&charts=C&points=P&instances=I&plans=L&actions=A`: the dashboard's
///   bounded view (`FleetOverview`)
/// - `GET /v1/stream`: server-sent events as they happen (`FeedMessage`)
/// Every call needs the bearer token but `GET /healthz`, `GET /metrics` and `openPaths`
/// (see `APIAccess`).
public enum OrchestratorAPI {
    public static func router(
        for loop: ControlLoop, store: StateStore, configuration: AugurConfiguration, registry: PrometheusCollectorRegistry, token: String,
        publicRead: Bool = false, admission: APIAdmission = APIAdmission(), meter: DNSTrafficMeter? = nil, openPaths: Set<String> = []
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIAccess(token: token, publicRead: publicRead, admission: admission, openPaths: openPaths))
        router.get("healthz") { _, _ in "ok\n" }
        router.get("metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        let v1 = router.group("v1")
        v1.get("status") { _, _ in await StatusSummary.make(loop) }
        v1.get("content") { _, _ in JSONBody(await loop.contents()) }
        v1.put("content/:name") { request, context in
            let name = try context.parameters.require("name")
            let change: ContentChange
            do {
                change = try JSONDecoder().decode(ContentChange.self, from: Data(buffer: try await request.body.collect(upTo: 1 << 16)))
            } catch {
                throw HTTPError(.badRequest, message: "the body is not a content change {capacity, flavors, model, policy}: \(error)")
            }
            do {
                try await loop.updateContent(name, change)
            } catch ContentChangeError.unknownContent {
                throw HTTPError(.notFound, message: "unknown content '\(name)'")
            } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
            return JSONBody(await loop.contents().first { $0.name == name })
        }
        v1.get("topology") { _, _ in JSONBody(TopologyView(configuration.topology, unreachable: await loop.unreachableEdges())) }
        v1.get("instances") { _, _ in JSONBody(await loop.members().map(InstanceView.init)) }
        v1.get("regions") { _, _ in JSONBody(await RegionView.make(loop, latest: await loop.latestInterval())) }
        v1.get("counts") { request, _ in
            let (content, since, limit) = try series(request, configuration)
            let counts = try await store.reading { try $0.counts(of: content, since: since, limit: limit) }
            return JSONBody(counts.map { SeriesPoint(at: $0.intervalStart, interval: nil, value: Double($0.lookups), standardError: nil) })
        }
        v1.get("forecasts") { request, _ in
            let (content, since, limit) = try series(request, configuration)
            return JSONBody(try await store.reading { try $0.forecasts(of: content, since: since, limit: limit) }.map { SeriesPoint(at: nil, interval: $0.interval, value: $0.mean, standardError: $0.standardError) })
        }
        v1.get("plans") { request, _ in
            let count = limit(request, default: 20)
            return JSONBody(try await store.reading { try $0.intervals(limit: count) })
        }
        v1.get("events") { request, _ in
            JSONBody(try await store.reading { [count = limit(request, default: 100)] in try $0.events(limit: count) })
        }
        v1.get("overview") { request, _ in
            JSONBody(try await FleetOverview.make(loop, store: store, meter: meter, query: FleetOverview.Query(request)))
        }
        v1.get("stream") { _, _ in FeedStream(feed: loop.feed).response() }
        return router
    }

    private static func limit(_ request: Request, default value: Int) -> Int {
        request.uri.queryParameters.get("limit").flatMap(Int.init).map { min(max($0, 1), 10_000) } ?? value
    }

    /// A series request: its content, `since` (ISO 8601) and `limit` (at most 10 000: a
    /// series is never loaded whole).
    private static func series(_ request: Request, _ configuration: AugurConfiguration) throws -> (String, Date?, Int) {
        guard let content = request.uri.queryParameters.get("content") else { throw HTTPError(.badRequest, message: "add ?content=NAME") }
        guard configuration.catalog.item(named: content) != nil else { throw HTTPError(.notFound, message: "unknown content '\(content)'") }
        var since: Date?
        if let text = request.uri.queryParameters.get("since") {
            guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                throw HTTPError(.badRequest, message: "since=\(text) is not an ISO 8601 date and time such as 2026-11-30T01:00:00Z")
            }
            since = date
        }
        return (content, since, limit(request, default: 100))
    }
}
