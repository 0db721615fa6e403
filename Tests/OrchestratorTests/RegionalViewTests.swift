import AugurModel
@testable import ControlAPI
import DNSBalancer
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Orchestrator
import Planning
import Prometheus
import Testing
@testable import augur

/// Demand, forecast and capacity per region, as the API, the dashboard's overview, `/metrics` and `augur status` show them.
@Suite struct RegionalViewTests {
    @Test func theAPIMetricsAndStatusShowEachRegionsDemandForecastAndCapacity() async throws {
        var configuration = try LoopBed.configuration()
        configuration.topology.regions = [
            Region(name: "north", clients: [try #require(IPPrefix("10.1.0.0/16"))], edges: ["edge-2", "edge-1"]),
            Region(name: "south", clients: [try #require(IPPrefix("10.2.0.0/16"))], edges: ["edge-4", "edge-3"]),
        ]
        let store = try StateStore.inMemory()
        let registry = PrometheusCollectorRegistry()
        let loop = ControlLoop(
            configuration: configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 1), models: ["video1": .ema(span: 1)],
            edges: [], pools: try LoopBed.pools(configuration), store: store, metricsFactory: PrometheusMetricsFactory(registry: registry), logger: LoopBed.logger)
        for index in 0..<2 {
            let start = Date(timeIntervalSince1970: 1_000_000 + Double(index) * 2)
            let counts = DemandCounts(contents: ["video1": ContentDemand(total: 100, byRegion: ["south": 75, "north": 5])])
            await loop.tick(IntervalSnapshot(index: index, start: start, end: start + 2, counts: counts))
        }

        let app = Application(router: OrchestratorAPI.router(for: loop, store: store, configuration: configuration, registry: registry, token: APITests.token))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/regions", method: .get, headers: APITests.bearer()) { response in
                #expect(response.status == .ok)
                let regions = try JSONDecoder().decode([RegionView].self, from: Data(buffer: response.body))
                #expect(regions.map(\.name) == ["north", "south"])
                let south = try #require(regions.last?.contents.first)
                #expect(south.content == "video1" && south.lookups == 75)
                #expect(abs(south.share - 0.75) < 1e-9 && abs(south.forecast - 75) < 1e-9)
                #expect(south.instances == 0 && south.capacity == 0, "no edge answers: nothing serves south")
            }
            try await client.execute(uri: "/v1/overview", method: .get, headers: APITests.bearer()) { response in
                let overview = try DashboardAPITests.decoder().decode(FleetOverview.self, from: Data(buffer: response.body))
                #expect(overview.regions?.map(\.name) == ["north", "south"], "the dashboard's regions table")
                #expect(overview.regions?.last?.contents.map(\.content) == ["video1"])
            }
            try await client.execute(uri: "/metrics", method: .get, headers: APITests.bearer()) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"augur_region_lookups{content="video1",region="south"} 75.0"#), "\(text)")
                let forecast = text.split(separator: "\n").first { $0.hasPrefix(#"augur_region_forecast_lookups{content="video1",region="south"} "#) }
                let value: Double? = forecast.flatMap { line in line.split(separator: " ").last.flatMap { Double(String($0)) } }
                #expect(value.map { abs($0 - 75) < 1e-6 } == true, "the next interval's 100 times south's three quarters: \(value ?? -1)")
                #expect(text.contains(#"augur_region_instances{content="video1",region="north"} 0.0"#))
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: APITests.bearer()) { response in
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let status = try decoder.decode(StatusSummary.self, from: Data(buffer: response.body))
                let text = StatusReport(status).text
                #expect(text.contains("region south (edge-4, edge-3):"), "\(text)")
                #expect(text.contains("  video1: 75 lookups, 75% of its demand, forecast 75.0; 0 instance(s) answered near it, 0 lookups an interval"), "\(text)")
            }
        }
    }
}
