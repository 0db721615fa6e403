import AugurModel
import Foundation
import TestSupport
import Testing

extension LoopServices {
    /// Under load: 25 s of dnsperf far beyond what two cores answer, against the real `augur serve`
    /// while its loop deploys for the surge and drains after it. The process's memory stays
    /// bounded, every edge address DNS answers serves, and the API keeps answering.
    @Suite struct SoakTests {
        /// Resident memory of `pid` in KiB, from /proc.
        static func residentKiB(_ pid: Int32) -> Int? {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
            else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }

        actor Samples {
            private(set) var memory: [Int] = []
            private(set) var apiFailures = 0
            private(set) var apiAnswers = 0
            func add(_ kib: Int) { memory.append(kib) }
            func api(_ answered: Bool) { if answered { apiAnswers += 1 } else { apiFailures += 1 } }
        }

        @Test(.timeLimit(.minutes(4)), .enabled(if: Testbed.runsAsRoot, "needs root: the registry and the edges' instance processes"))
        func dnsperfBeyondCapacityWhileTheLoopDeploysAndDrains() async throws {
            let (directory, payloads) = try await ServeProcessTests.prepare("soak")
            // Rate limiting off: every query reaches the counters and the answer path.
            let process = try ServeProcessTests.start(directory, payloads: payloads, run: 1, extraArguments: ["--rrl-rate", "0"])
            #expect(await LoopBed.eventually(30) { await ServeProcessTests.get("/healthz") != nil })
            let edgePools = ["127.11.3.0/24", "127.12.3.0/24"].compactMap(IPPrefix.init)
            let checker = AnswerChecker(isEdge: { address in IPAddress(address).map { ip in edgePools.contains { $0.contains(ip) } } ?? false }) {
                Set((try? await AnswerChecker.dig(ServeProcessTests.dnsPort)) ?? [])
            }
            let checking = Task { await checker.run() }
            let samples = Samples()
            let pid = process.pid
            let sampling = Task {
                while !Task.isCancelled {
                    if let kib = Self.residentKiB(pid) { await samples.add(kib) }
                    await samples.api(await ServeProcessTests.get("/v1/status") != nil)
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            let queries = directory.appendingPathComponent("queries")
            try String(repeating: "video1.cdn.example A\n", count: 1_000).write(to: queries, atomically: true, encoding: .utf8)
            let report = try await Testbed.tool("dnsperf", [
                "-s", "127.0.0.1", "-p", "\(ServeProcessTests.dnsPort)", "-d", queries.path, "-l", "25", "-Q", "200000", "-c", "4", "-t", "1",
            ])
            let answeredDuringSurge = await checker.edgeAnswers
            // The surge is over: the loop drains everything.
            let drained = await LoopBed.eventually(30) { (await ServeProcessTests.instances())?.isEmpty == true }
            sampling.cancel()
            await checker.stop()
            await checking.value

            #expect(report.contains("Queries completed"), "\(report)")
            #expect(answeredDuringSurge > 0, "the loop deployed edge instances for the surge and DNS answered them")
            #expect(drained, "after the surge everything drained")
            let notServing = await checker.notServing
            #expect(notServing.isEmpty, "DNS answered addresses that did not serve: \(notServing)")
            let (answers, failures) = (await samples.apiAnswers, await samples.apiFailures)
            #expect(answers > 20 && failures <= answers / 10, "the API answered \(answers) times, failed \(failures)")
            let memory = await samples.memory
            let third = max(1, memory.count / 3)
            let warm = memory.prefix(third).max() ?? 0
            let late = memory.suffix(third).max() ?? 0
            #expect(warm > 0 && late <= warm + warm / 2 + 65_536, "resident memory grew from \(warm) KiB to \(late) KiB: \(memory)")
            await process.stop()
        }
    }
}
