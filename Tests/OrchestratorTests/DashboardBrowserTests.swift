import Foundation
import TestSupport
import Testing

extension LoopServices {
    /// The dashboard of the real `augur serve` (edges in process, emulated MirageOS), in real
    /// headless Chromium: the shell asks for the token, the rendered figures are the API's,
    /// and a deploy that dnsperf's demand causes appears without a reload.
    @Suite struct DashboardBrowserTests {
        /// What the page shows, read from its DOM.
        struct PageFigures: Decodable, Equatable {
            var contents: [String]
            var forecasts: [String: String]
            var edges: [String: Int]
        }

        struct PageLife: Decodable {
            var loadedAt: Double
            var updates: Int
            var navigations: Int
        }

        static let figuresScript = """
            (() => {
              const rows = [...document.querySelectorAll('#contents tbody tr')];
              return {
                contents: rows.map(r => r.dataset.content),
                forecasts: Object.fromEntries(rows.map(r => [r.dataset.content, r.querySelector('.forecast').textContent])),
                edges: Object.fromEntries([...document.querySelectorAll('[data-edge]')].map(e => [e.dataset.edge, Number(e.querySelector('.live-count').textContent)])),
              };
            })()
            """
        static let lifeScript = "({loadedAt: window.augurDashboard.loadedAt, updates: window.augurDashboard.updates, navigations: performance.getEntriesByType('navigation').length})"

        static func api(_ path: String, token: String) async throws -> Any {
            let text = try await Testbed.tool("curl", ["-sf", "--max-time", "5", "-H", "Authorization: Bearer \(token)", "http://\(ServeProcessTests.api)\(path)"])
            return try JSONSerialization.jsonObject(with: Data(text.utf8))
        }

        /// The same figures from the API: `/v1/content`, `/v1/instances` per edge, `/v1/status`'s latest forecast.
        static func apiFigures(token: String, edges: [String]) async throws -> PageFigures {
            let contents = (try await api("/v1/content", token: token) as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            var perEdge = Dictionary(uniqueKeysWithValues: edges.map { ($0, 0) })
            for item in try await api("/v1/instances", token: token) as? [[String: Any]] ?? [] {
                guard let instance = item["instance"] as? [String: Any], let spec = instance["spec"] as? [String: Any], let edge = spec["edge"] as? String,
                      let phase = instance["phase"] as? String, phase != "gone", phase != "failed" else { continue }
                perEdge[edge, default: 0] += 1
            }
            let status = try await api("/v1/status", token: token) as? [String: Any]
            let latest = (status?["latest"] as? [String: Any])?["forecasts"] as? [String: [[String: Any]]] ?? [:]
            let forecasts = Dictionary(uniqueKeysWithValues: contents.map { content in
                (content, (latest[content]?.first?["mean"] as? Double).map { String(format: "%.1f", $0) } ?? "–")
            })
            return PageFigures(contents: contents.sorted(), forecasts: forecasts, edges: perEdge)
        }

        /// Reads the page and the API until they agree (the page follows the API within a refresh).
        static func agree(_ browser: HeadlessBrowser, token: String, seconds: Double = 20) async throws -> (page: PageFigures, api: PageFigures, equal: Bool) {
            var page = try await browser.evaluate(figuresScript, as: PageFigures.self)
            var api = try await apiFigures(token: token, edges: Array(page.edges.keys))
            let equal = try await LoopBed.eventually(seconds) {
                page = try await browser.evaluate(figuresScript, as: PageFigures.self)
                page.contents.sort()
                api = try await apiFigures(token: token, edges: Array(page.edges.keys))
                return page == api
            }
            return (page, api, equal)
        }

        @Test(
            .timeLimit(.minutes(4)), .enabled(if: Testbed.runsAsRoot, "needs root: the registry and the edges' daemons"),
            .enabled(if: HeadlessBrowser.available, "needs Debian's chromium (Scripts/setup installs it)"))
        func theDashboardShowsTheAPIsFiguresAndADeployWithoutAReload() async throws {
            let (directory, payloads) = try await ServeProcessTests.prepare("dashboard")
            let process = try ServeProcessTests.start(directory, payloads: payloads, run: 1, publicRead: false)
            defer {
                // On a failure, nothing the edges started may outlive the test.
                if process.isRunning {
                    let sweep = Process()
                    sweep.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
                    sweep.arguments = ["-f", directory.path]
                    try? sweep.run()
                }
            }
            let url = "http://\(ServeProcessTests.api)/"
            #expect(await LoopBed.eventually(30) { (try? await Testbed.tool("curl", ["-sf", "--max-time", "2", url])) != nil }, "augur serve answers at /")
            let token = try String(contentsOf: directory.appendingPathComponent("token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let unauthorized = try await Testbed.tool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(ServeProcessTests.api)/v1/overview"])
            #expect(unauthorized == "401", "the page's data needs the token")

            // The one-shot check: the rendered DOM names every content within 30 s.
            let dump = try await Testbed.tool("timeout", [
                "30", "chromium", "--headless=new", "--no-sandbox", "--virtual-time-budget=10000", "--dump-dom", "\(url)#token=\(token)",
            ])
            let contents = (try await Self.api("/v1/content", token: token) as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(!contents.isEmpty)
            for content in contents { #expect(dump.contains("data-content=\"\(content)\""), "the dumped page names \(content)") }

            let browser = try HeadlessBrowser()
            try await browser.open(url)
            try await browser.wait(until: "!document.getElementById('login').hidden")
            try await browser.screenshot("dashboard-login.png")
            #expect(try await browser.evaluate("document.getElementById('main').hidden", as: Bool.self), "nothing is shown before the token")
            _ = try await browser.evaluate(
                "(() => { document.getElementById('token').value = \(String(reflecting: token)); document.getElementById('login').requestSubmit(); return true })()",
                as: Bool.self)
            try await browser.wait(until: "document.body.dataset.ready === '1' && document.getElementById('live').textContent === 'live'")
            let quiet = try await Self.agree(browser, token: token)
            #expect(quiet.equal, "before demand: the page shows \(quiet.page), the API says \(quiet.api)")
            let before = try await browser.evaluate(Self.lifeScript, as: PageLife.self)

            // Demand for video1 past what the core serves: an edge instance is deployed.
            var deployed = false
            for _ in 0..<6 where !deployed {
                try await ServeProcessTests.users(60, directory: directory)
                deployed = (try? await browser.wait(until: "document.querySelectorAll('[data-instance]').length > 0", timeout: 5)) != nil
            }
            #expect(deployed, "a deploy appears on the page")
            let after = try await browser.evaluate(Self.lifeScript, as: PageLife.self)
            #expect(after.loadedAt == before.loadedAt && after.navigations == 1, "the page was not reloaded")
            #expect(after.updates > before.updates, "the event stream brought the news")
            try await browser.wait(until: "document.querySelectorAll('#plans [data-action]').length > 0 && Number(document.querySelector('#dns-table tr[data-code=NOERROR] td:last-child').textContent) > 0", timeout: 15)
            // A name in the zone that no content has is listed under DNS as it was asked.
            for _ in 0..<3 { try await Testbed.tool("dig", ["+short", "+tries=1", "+time=2", "@127.0.0.1", "-p", "\(ServeProcessTests.dnsPort)", "Vide01.cdn.example", "A"]) }
            try await browser.wait(until: "document.querySelector('#unknown-names [data-unknown=\"vide01.cdn.example.\"] td.n')?.textContent === '3'", timeout: 15)
            let busy = try await Self.agree(browser, token: token)
            #expect(busy.equal, "with instances: the page shows \(busy.page), the API says \(busy.api)")
            #expect(busy.page.edges.values.reduce(0, +) > 0)
            let shot = try await browser.screenshot("dashboard.png")
            #expect(((try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0) > 10_000, "a screenshot of the page at \(shot.path)")
            await browser.quit()

            // Demand stops: the instances drain and are destroyed; then SIGTERM ends the
            // process with its event streams, and nothing it started is left.
            let drained = await LoopBed.eventually(30) { ((try? await Self.api("/v1/instances", token: token)) as? [Any])?.isEmpty == true }
            #expect(drained, "the edge instances drained once demand stopped")
            // A reader of the event stream stays connected until the process shuts down.
            let streamed = directory.appendingPathComponent("stream.txt")
            FileManager.default.createFile(atPath: streamed.path, contents: nil)
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            reader.arguments = ["-sN", "-H", "Authorization: Bearer \(token)", "http://\(ServeProcessTests.api)/v1/stream"]
            reader.standardOutput = try FileHandle(forWritingTo: streamed)
            try reader.run()
            #expect(await LoopBed.eventually(10) { ((try? String(contentsOf: streamed, encoding: .utf8)) ?? "").contains("event: dns") }, "the stream brings news")
            #expect(await process.stop() == .exited(0), "SIGTERM stops augur serve clean, its event streams included")
            #expect(await LoopBed.eventually(5) { !reader.isRunning }, "the open stream ended with the process")
            if reader.isRunning { reader.terminate() }
            let leftovers = try await Testbed.tool("pgrep", ["-f", directory.path], failOnExit: false)
            #expect(leftovers.isEmpty, "processes left: \(leftovers)")
        }
    }
}
