import AugurModel
@testable import EdgeOperator
import EdgeWire
import Foundation
import Glibc
import Testing
import TestSupport

/// The probe rule on its own, with the moments of each probe given: `fall` failures in a row
/// take an instance out, `rise` passes bring it back, one change per window at most.
@Suite struct HealthRuleTests {
    static let start = Date(timeIntervalSince1970: 1_000)

    @Test func fallFailuresInARowTakeItOutAndRisePassesBringItBack() {
        let rule = HealthRule(fall: 3, rise: 2, window: .zero)
        var health = InstanceHealth()
        let probes: [(Bool, Bool)] = [
            (false, false), (false, false), (true, false),  // a pass resets the failures
            (false, false), (false, false), (false, true),  // the third in a row: out
            (true, false), (false, false), (true, false), (true, true),  // two in a row: back
        ]
        for (index, (passed, changes)) in probes.enumerated() {
            #expect(rule.record(passed: passed, failure: passed ? nil : "timeout", into: &health, at: Self.start + Double(index)) == changes, "probe \(index)")
        }
        #expect(health.healthy && health.passes == 2 && health.failures == 0 && health.lastFailure == "timeout")
        #expect(health.changed == Self.start + 9)
    }

    @Test func aFlappingInstanceChangesStateAtMostOncePerWindow() {
        let rule = HealthRule(fall: 1, rise: 1, window: .seconds(10))
        var health = InstanceHealth()
        #expect(rule.record(passed: false, into: &health, at: Self.start))
        // It serves again at once, but stays out until the window since the change has passed.
        #expect(!rule.record(passed: true, into: &health, at: Self.start + 1))
        #expect(!rule.record(passed: true, into: &health, at: Self.start + 9.9))
        #expect(!health.healthy)
        #expect(rule.record(passed: true, into: &health, at: Self.start + 10))
        #expect(health.healthy && health.changed == Self.start + 10)
    }
}

extension EdgeServices {
    /// A real instance (nginx of the emulated driver) that stops serving: its operator's
    /// probes see it, list it unhealthy after `fall` of them and healthy after `rise`, and
    /// it stays deployed throughout. Each round of probes is asked for by the test.
    @Suite struct InstanceHealthTests {
        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons"))
        func anInstanceThatStopsServingIsUnhealthyAfterFallProbesAndHealthyAfterRise() async throws {
            try await Testbed.script("registry", ["start", Testbed.registry])
            let (configuration, _) = try Testbed.configuration()
            let payloads = try Testbed.payload(try #require(configuration.catalog.item(named: "video1"))).deletingLastPathComponent()
            let image = try await UnikernelDriverTests.pushArtifact(content: "video1")
            let (edge, driver) = try UnikernelDriverTests.emulatedEdge(
                state: Testbed.temporaryDirectory("health"), payloads: payloads, health: HealthRule(fall: 3, rise: 2, window: .zero))
            let created = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            let ready = try await edge.settled(created.spec.id, in: [.ready])
            let id = ready.spec.id
            func health() async throws -> InstanceHealth? { try await edge.instance(id).health }

            await edge.checkHealth()
            #expect(try await health() == InstanceHealth(healthy: true, failures: 0, passes: 1))
            let handle = try #require(ready.handle)
            let pid = try #require(await driver.pid(of: handle.runtimeID))
            let cursor = await edge.instances(since: nil).cursor
            kill(-pid, SIGSTOP)
            for round in 1...2 {
                await edge.checkHealth()
                let seen = try await health()
                #expect(seen?.healthy == true && seen?.failures == round, "round \(round)")
            }
            await edge.checkHealth()
            let out = try #require(try await health())
            #expect(!out.healthy && out.failures == 3 && out.lastFailure?.contains("gave no 200") == true, "\(out)")
            let changed = await edge.instances(since: cursor)
            #expect(changed.instances.map(\.spec.id) == [id] && changed.instances.first?.phase == .ready, "listed as changed, still deployed")

            kill(-pid, SIGCONT)
            await edge.checkHealth()
            #expect(try await health()?.healthy == false, "one pass is not enough")
            await edge.checkHealth()
            let back = try await health()
            #expect(back?.healthy == true && back?.passes == 2)
            #expect(try await edge.instance(id).phase == .ready)

            _ = try await edge.delete(id, drain: .zero)
            _ = try await edge.settled(id, in: [.gone])
        }
    }
}
