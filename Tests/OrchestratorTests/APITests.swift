import AugurModel
@testable import ControlAPI
import DNSBalancer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Orchestrator
@testable import Planning
import Prometheus
import Testing

/// The operators' API over a loop with no edge operators: every read, the token on changes,
/// content changed at run time and used by the next plan, and the Prometheus export.
@Suite struct APITests {
    static let token = "orchestrator-test-token-0123456789"

    static func bearer() -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    @Test func readsChangesAndMetrics() async throws {
        let configuration = try LoopBed.configuration()
        let store = try StateStore.inMemory()
        let registry = PrometheusCollectorRegistry()
        let loop = ControlLoop(
            configuration: configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 1), models: ["video1": .ema(span: 1)],
            edges: [], pools: try LoopBed.pools(configuration), store: store, metricsFactory: PrometheusMetricsFactory(registry: registry), logger: LoopBed.logger)
        await loop.tick(LoopBed.snapshot(0, lookups: 60))
        let trained = await loop.tick(LoopBed.snapshot(1, lookups: 60))
        #expect(!trained.training)
        let unmet = trained.unmet
        #expect(unmet.first?.missingInstances == 2, "60 lookups at 20 each need 3, the core serves 1, no edge operator: \(unmet)")

        let app = Application(router: OrchestratorAPI.router(for: loop, store: store, configuration: configuration, registry: registry, token: Self.token))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get, headers: Self.bearer()) { response in
                #expect(response.status == .ok)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let status = try decoder.decode(StatusSummary.self, from: Data(buffer: response.body))
                #expect(status.intervals == 2)
                #expect(status.latest?.lookups["video1"] == 60)
            }
            try await client.execute(uri: "/v1/content/video1", method: .put, body: ByteBuffer(string: #"{"capacity": 10}"#)) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .unauthorized, "reads need the token too")
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/v1/content/video1", method: .put, headers: Self.bearer(), body: ByteBuffer(string: #"{"capacity": 10, "flavors": ["clickos", "flask"]}"#)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""capacity":10"#))
            }
            try await client.execute(uri: "/v1/content/video1", method: .put, headers: Self.bearer(), body: ByteBuffer(string: #"{"flavors": ["unikraft"]}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("unikraft"))
            }
            try await client.execute(uri: "/v1/content/video1", method: .put, headers: Self.bearer(), body: ByteBuffer(string: #"{"model": "arima:1"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/content/video99", method: .put, headers: Self.bearer(), body: ByteBuffer(string: #"{"capacity": 5}"#)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/counts?content=video1", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).components(separatedBy: #""value":60"#).count == 3)
            }
            try await client.execute(uri: "/v1/counts?content=video1&limit=1", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).contains("1970-01-12T13:46:42Z") && String(buffer: response.body).components(separatedBy: #""value""#).count == 2)
            }
            try await client.execute(uri: "/v1/counts?content=video1&since=1970-01-12T13:46:42Z", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).components(separatedBy: #""value""#).count == 2, "only the interval from since on")
            }
            try await client.execute(uri: "/v1/forecasts?content=video1&since=2000-01-01T00:00:00Z", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body) == "[]")
            }
            try await client.execute(uri: "/v1/counts?content=video1&since=yesterday", method: .get, headers: Self.bearer()) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/counts?content=nope", method: .get, headers: Self.bearer()) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/forecasts?content=video1", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).contains(#""value":60"#))
            }
            try await client.execute(uri: "/v1/topology", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).contains(#""name":"edge-4""#))
            }
            try await client.execute(uri: "/v1/events", method: .get, headers: Self.bearer()) { response in
                #expect(String(buffer: response.body).contains("capacity 10"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"augur_lookups{content="video1"} 60"#), "\(text)")
                #expect(text.contains("augur_tick_milliseconds"))
            }
        }
        // The next plan uses the changed capacity: 60 at 10 each needs 6, the core serves 1.
        let changed = await loop.tick(LoopBed.snapshot(2, lookups: 60))
        #expect(changed.unmet.first?.missingInstances == 5)
        #expect(try store.intervals(limit: 5).map(\.interval) == [2, 1, 0])
    }
}
