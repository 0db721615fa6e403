import AugurModel
import EdgeOperator
import EdgeWire
import Foundation
import Testing
import TestSupport

/// A runtime whose instances boot but never serve and cannot be destroyed: what the operator
/// does when a failed instance cannot be cleaned up.
@Suite struct StuckRuntimeTests {
    /// Boots nothing that serves; every destroy fails; discovery finds what it is given.
    actor StuckDriver: RuntimeDriver {
        nonisolated let runtime = RuntimeKind.emulated
        nonisolated let isEmulated = true
        let found: [DiscoveredInstance]
        private(set) var destroyAttempts = 0

        init(found: [DiscoveredInstance] = []) {
            self.found = found
        }

        func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation { ImagePreparation(pulled: false) }
        func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle { RuntimeHandle("stuck-\(spec.id)") }
        func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws {
            destroyAttempts += 1
            throw EdgeError.runtimeFailed(runtime: .emulated, operation: "destroy", reason: "the hypervisor refused")
        }
        func discover() async throws -> [DiscoveredInstance] { found }
        func usage(of handle: RuntimeHandle) async throws -> InstanceUsage { InstanceUsage(cpuPercent: 0, memoryBytes: 0) }
        func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction { ImageEviction() }
        nonisolated func addressIsFree(_ address: String, port: Int) -> Bool { true }
    }

    static func edge(_ driver: StuckDriver) throws -> EdgeOperator {
        let (configuration, node) = try Testbed.configuration()
        var settings = EdgeOperator.Settings(configuration: configuration, node: node)
        settings.bootTimeout = .milliseconds(300)
        return EdgeOperator(settings: settings, drivers: [driver], logger: Testbed.logger)
    }

    @Test func aFailedBootWhoseDestroyFailsSaysTheRuntimeMayStillHoldIt() async throws {
        let driver = StuckDriver()
        let edge = try Self.edge(driver)
        let created = try await edge.create(CreateInstanceRequest(content: "video5", flavor: "clickos"))
        let failed = try await edge.settled(created.spec.id, in: [.failed])
        #expect(failed.phase == .failed)
        let failure = try #require(failed.failure)
        #expect(failure.contains("did not serve") && failure.contains("the hypervisor refused") && failure.contains(created.spec.address), "\(failure)")
        #expect(await driver.destroyAttempts == 1)
    }

    @Test func aStoppedInstanceThatCannotBeRemovedAtStartIsNotAdopted() async throws {
        let (_, node) = try Testbed.configuration()
        let spec = InstanceSpec(
            id: "video5-clickos-old", edge: node.name, content: "video5", flavor: "clickos", runtime: .emulated,
            image: "127.0.0.1:5000/augur/clickos:video5", address: "127.11.3.9", port: 8080)
        let driver = StuckDriver(found: [DiscoveredInstance(spec: spec, handle: RuntimeHandle("old"), running: false)])
        let edge = try Self.edge(driver)
        await edge.recover()
        #expect(await edge.instances().isEmpty)
        #expect(await driver.destroyAttempts == 1)
    }
}
