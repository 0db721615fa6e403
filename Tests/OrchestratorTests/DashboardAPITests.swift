import AugurModel
@testable import ControlAPI
import Dashboard
import DNSBalancer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Orchestrator
@testable import Planning
import Prometheus
import Testing
import TestSupport

/// What the dashboard reads: the page shell open to all and its data behind the token, the
/// overview bounded whatever the fleet (busiest first, searchable), the series it draws
/// (lookups, the forecast made for each interval, what was ready when it began), and the
/// event stream's messages.
@Suite struct DashboardAPITests {
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func router(_ loop: ControlLoop, _ store: StateStore, _ configuration: AugurConfiguration, publicRead: Bool = false) -> Router<BasicRequestContext> {
        let router = OrchestratorAPI.router(
            for: loop, store: store, configuration: configuration, registry: PrometheusCollectorRegistry(), token: APITests.token, publicRead: publicRead,
            openPaths: DashboardPage.paths)
        DashboardPage.register(on: router)
        return router
    }

    @Test func thePageShellIsOpenAndItsDataNeedsTheToken() async throws {
        let configuration = try LoopBed.configuration()
        let store = try StateStore.inMemory()
        let loop = LoopBed.loop(configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 1), models: [:], edges: [], pools: try LoopBed.pools(configuration), store: store)
        try await Application(router: Self.router(loop, store, configuration)).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: response.body)
                #expect(page.contains("<script src=\"/dashboard.js\">") && page.contains("id=\"login\""), "the shell with its login field")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true, "nothing from another origin")
            }
            try await client.execute(uri: "/dashboard.js", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("/v1/stream"))
            }
            try await client.execute(uri: "/dashboard.css", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
            for path in ["/v1/overview", "/v1/stream", "/v1/events"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(path) needs the token")
                }
            }
            try await client.execute(uri: "/", method: .post) { response in
                #expect(response.status == .unauthorized, "only reads of the shell are open")
            }
            try await client.execute(uri: "/v1/overview", method: .get, headers: APITests.bearer()) { response in
                #expect(response.status == .ok)
            }
        }
        try await Application(router: Self.router(loop, store, configuration, publicRead: true)).test(.router) { client in
            try await client.execute(uri: "/v1/overview", method: .get) { response in
                #expect(response.status == .ok, "--public-read opens the data too")
            }
        }
    }

    /// The series of a content: each closed interval's lookups, the forecast made one interval
    /// ahead for it, and what served the content as it began (the core's static instance).
    @Test func theSeriesHoldsLookupsTheForecastForEachIntervalAndTheReadyCapacity() async throws {
        let configuration = try LoopBed.configuration()
        let store = try StateStore.inMemory()
        let loop = LoopBed.loop(
            configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 1), models: ["video1": .ema(span: 1)], edges: [],
            pools: try LoopBed.pools(configuration), store: store)
        for (index, lookups) in [10, 30, 50].enumerated() { await loop.tick(LoopBed.snapshot(index, lookups: lookups)) }
        let series = try store.contentSeries(of: "video1", limit: 10)
        #expect(series.map(\.interval) == [0, 1, 2])
        #expect(series.map(\.lookups) == [10, 30, 50])
        // EMA with span 1 forecasts the last count: interval 2 was forecast 30 at the close of 1.
        #expect(series.last?.forecast == 30)
        #expect(series.first?.forecast == nil, "nothing forecast the first interval")
        #expect(series.dropFirst().allSatisfy { $0.ready.instances == 1 && $0.ready.lookups == 20 }, "the core's instance serves 20 per interval: \(series.map(\.ready))")
        #expect(try store.contentSeries(of: "video1", limit: 2).map(\.interval) == [1, 2], "the newest, oldest first")
        #expect(try store.contentSeries(of: "video20", limit: 10).map(\.lookups) == [0, 0, 0], "a content without lookups has zeros, not gaps")
    }

    /// A thousand contents on a hundred edges: one overview call returns the busiest contents
    /// first (a page of them), a search finds the rest, and the answer stays small.
    @Test func theOverviewOfABigFleetIsBoundedBusiestFirstAndSearchable() async throws {
        let configuration = try #require(SyntheticFleet.configuration(contents: 1_000, edges: 100))
        let store = try StateStore.inMemory()
        let loop = LoopBed.loop(
            configuration, settings: LoopSettings(intervalSeconds: 30, trainingIntervals: 10), models: [:],
            edges: configuration.topology.edges.map { MemoryEdge(node: $0, flavors: configuration.flavors) }, pools: try LoopBed.pools(configuration), store: store)
        // Content k gets 1,000 − k lookups: c0 is the busiest.
        let counts = Dictionary(uniqueKeysWithValues: (0..<1_000).map { ("c\($0)", ContentDemand(total: 1_000 - $0)) })
        let start = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<3 {
            await loop.tick(IntervalSnapshot(index: index, start: start + Double(index) * 30, end: start + Double(index + 1) * 30, counts: DemandCounts(contents: counts)))
        }
        try await Application(router: Self.router(loop, store, configuration)).test(.router) { client in
            try await client.execute(uri: "/v1/overview", method: .get, headers: APITests.bearer()) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes < 256 << 10, "one call stays small: \(response.body.readableBytes) bytes")
                let overview = try Self.decoder().decode(FleetOverview.self, from: Data(buffer: response.body))
                #expect(overview.contentsTotal == 1_000 && overview.contentsMatched == 1_000)
                #expect(overview.contents.map(\.name) == (0..<50).map { "c\($0)" }, "a page of 50, busiest first")
                #expect(overview.contents.prefix(6).allSatisfy { $0.series?.count == 3 } && overview.contents.dropFirst(6).allSatisfy { $0.series == nil })
                #expect(overview.edges.count == 101, "every node, the core included")
                #expect(overview.plans.count == 3 && overview.plans.first?.interval == 2, "the newest plans first")
            }
            try await client.execute(uri: "/v1/overview?search=C99&limit=100000&charts=1000&points=100000", method: .get, headers: APITests.bearer()) { response in
                let overview = try Self.decoder().decode(FleetOverview.self, from: Data(buffer: response.body))
                #expect(overview.contentsMatched == 11 && overview.contents.map(\.name) == ["c99"] + (990...999).map { "c\($0)" }, "case-insensitive, busiest first")
                #expect(overview.contents.filter { $0.series != nil }.count == 11 && overview.contents.allSatisfy { ($0.series?.count ?? 0) <= 240 })
            }
            try await client.execute(uri: "/v1/overview?limit=100000&charts=0", method: .get, headers: APITests.bearer()) { response in
                let overview = try Self.decoder().decode(FleetOverview.self, from: Data(buffer: response.body))
                #expect(overview.contents.count == 500, "a page is at most 500 contents")
            }
        }
    }

    @Test func theFeedReachesEveryReaderUntilItFinishes() async throws {
        let feed = LoopFeed(buffer: 4)
        let first = feed.subscribe(), second = feed.subscribe()
        #expect(feed.readers == 2)
        let event = StateStore.Event(at: Date(timeIntervalSince1970: 0), kind: "deploy", subject: "video1-x", message: "requested <on> edge-1")
        feed.publish(.event(event))
        feed.publish(.interval(7))
        feed.finish()
        var seen: [[FeedMessage]] = []
        for stream in [first, second] {
            var messages: [FeedMessage] = []
            for await message in stream { messages.append(message) }
            seen.append(messages)
        }
        #expect(seen == [[.event(event), .interval(7)], [.event(event), .interval(7)]])
        var late: [FeedMessage] = []
        for await message in feed.subscribe() { late.append(message) }
        #expect(late.isEmpty && feed.readers == 0, "a finished feed hands out ended streams")

        let frame = try FeedStream.frame(.event(event))
        #expect(frame.hasPrefix("event: event\ndata: {") && frame.hasSuffix("}\n\n") && !frame.dropLast(2).contains("\n\n"))
        let data = try #require(frame.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
        #expect(try Self.decoder().decode(StateStore.Event.self, from: Data(data.utf8)) == event)
        #expect(try FeedStream.frame(.interval(7)) == "event: interval\ndata: {\"interval\":7}\n\n")
    }

    /// A slow reader loses the oldest news past its buffer; the loop is never held up.
    @Test func aSlowReaderKeepsOnlyTheNewest() async throws {
        let feed = LoopFeed(buffer: 2)
        let stream = feed.subscribe()
        for index in 0..<10 { feed.publish(.interval(index)) }
        feed.finish()
        var kept: [FeedMessage] = []
        for await message in stream { kept.append(message) }
        #expect(kept == [.interval(8), .interval(9)])
    }

    @Test func theDNSMeterTurnsTotalsIntoRatesPerSecond() async throws {
        let configuration = try LoopBed.configuration()
        let pools = try LoopBed.pools(configuration)
        let feed = LoopFeed()
        let news = feed.subscribe()
        let meter = DNSTrafficMeter(counters: pools.counters, feed: feed, kept: 2)
        let responder = DNSResponder(pools: pools)
        func ask(_ name: String, times: Int) {
            var out = [UInt8](repeating: 0, count: 1_232)
            let query = Self.query(name)
            for _ in 0..<times { _ = query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, into: $0) } } }
        }
        let start = ContinuousClock.now
        #expect(meter.sample(now: start) == nil, "the first read is the baseline")
        ask("video1.cdn.example.", times: 10)
        ask("nothing.cdn.example.", times: 4)
        let sample = try #require(meter.sample(now: start + .seconds(2)))
        #expect(sample.perSecond["NOERROR"] == 5 && sample.perSecond["NXDOMAIN"] == 2 && sample.answered == 7, "\(sample.perSecond)")
        #expect(meter.totals()["NOERROR"] == 10)
        #expect(meter.unknownNames(5) == [UnknownNames.Entry(name: "nothing.cdn.example.", count: 4)], "the unknown name asked, as dig prints it")
        _ = meter.sample(now: start + .seconds(3))
        _ = meter.sample(now: start + .seconds(4))
        #expect(meter.history().count == 2, "it keeps the newest samples only")
        feed.finish()
        var published = 0
        for await message in news { if case .dns = message { published += 1 } }
        #expect(published == 3)
    }

    /// A DNS query for `name`'s A record, as a client sends it.
    static func query(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += Array(label.utf8)
        }
        return bytes + [0, 0, 1, 0, 1]
    }
}
