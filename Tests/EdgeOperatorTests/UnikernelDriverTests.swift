import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport


extension EdgeServices {
    /// The emulated driver (real nginx processes on the flavor's timing profile) and the xen
    /// driver (against the `xl` test double: there is no Xen dom0 here), both pulling unikernel
    /// artifacts from the real registry.
    @Suite
    struct UnikernelDriverTests {
        /// Pushes a ClickOS artifact of `kernelBytes` for `content` and returns its reference.
        static func pushArtifact(content: String, kernelBytes: Int = 64 << 10, registry: String = Testbed.registry) async throws -> String {
            let reference = try #require(ImageReference("\(registry)/augur/clickos:\(content)-\(UUID().uuidString.prefix(8).lowercased())"))
            let kernel = Data(GeneratedPayload(seed: UInt64(kernelBytes), size: kernelBytes).bytes())
            _ = try await UnikernelArtifact.push(kernel: kernel, config: .init(flavor: "clickos", content: content, domainSettings: ["extra": "\"clickos.mode=cdn\"", "memory": "64"]), to: reference)
            return reference.description
        }

        /// An emulated edge in a fresh state directory, the content's payload, and a pushed ClickOS artifact for it.
        static func emulatedDeployment(content name: String) async throws -> (edge: EdgeOperator, driver: EmulatedDriver, image: String, state: URL, payloads: URL) {
            try await Testbed.script("registry", ["start", Testbed.registry])
            let (configuration, _) = try Testbed.configuration()
            let payloads = try Testbed.payload(try #require(configuration.catalog.item(named: name))).deletingLastPathComponent()
            let state = Testbed.temporaryDirectory("emulated")
            let image = try await pushArtifact(content: name)
            let (edge, driver) = try emulatedEdge(state: state, payloads: payloads)
            return (edge, driver, image, state, payloads)
        }

        static func emulatedEdge(
            state: URL, payloads: URL, bootTimeout: Duration = .seconds(20), registry: String? = nil, health: HealthRule = HealthRule()
        ) throws -> (EdgeOperator, EmulatedDriver) {
            let (configuration, node) = try Testbed.configuration(stateDirectory: state.path)
            let driver = EmulatedDriver(flavors: configuration.flavors, payloads: payloads, stateDirectory: state)
            var settings = EdgeOperator.Settings(configuration: configuration, node: node)
            settings.bootTimeout = bootTimeout
            settings.health = health
            if let registry { settings.registry = try #require(SocketEndpoint(registry)) }
            return (EdgeOperator(settings: settings, drivers: [driver], logger: Testbed.logger), driver)
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func emulatedClickOSFollowsTheProfileAndServesTheContent() async throws {
            try await Testbed.script("registry", ["start", Testbed.registry])
            let (configuration, _) = try Testbed.configuration()
            let content = try #require(configuration.catalog.item(named: "video1"))
            let payloads = try Testbed.payload(content).deletingLastPathComponent()
            let state = Testbed.temporaryDirectory("emulated")
            let image = try await Self.pushArtifact(content: "video1")
            let (edge, driver) = try Self.emulatedEdge(state: state, payloads: payloads)

            let created = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            #expect(created.emulated)
            #expect(created.spec.runtime == .emulated)
            #expect(try #require(IPPrefix("127.11.3.0/24")).contains(try #require(IPAddress(created.spec.address))))
            let ready = try await edge.settled(created.spec.id, in: [.ready])
            #expect(ready.phase == .ready, "\(ready.failure ?? "")")
            #expect(ready.image?.pulled == true)
            let profile = Double(try #require(configuration.flavors["clickos"]).timing.bootMilliseconds) / 1_000
            #expect(try #require(ready.timeline.bootSeconds) >= profile)

            let (status, body) = try await download("http://\(created.spec.address):8080/video1")
            #expect(status == 200)
            #expect(body == Data(try #require(GeneratedPayload(content)).bytes()))

            _ = try await edge.delete(created.spec.id, drain: .zero)
            let gone = try await edge.settled(created.spec.id, in: [.gone])
            #expect(gone.phase == .gone)
            #expect(try #require(gone.timeline.removalSeconds) >= 0.01)
            #expect(try await driver.discover().isEmpty)
            #expect(AddressCheck.isFree(address: created.spec.address, port: 8080))

            // The artifact is now in this edge's store: the next deploy verifies nothing new and pulls nothing.
            #expect(try await driver.prepareImage(for: created.spec).pulled == false)

            // Eviction keeps what a live instance uses; once none does, the artifact goes and the next deploy pulls it again.
            // Asked for Xen's images, an edge without Xen evicts from the emulated runtime that stands in for it.
            let live = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            #expect(try await edge.settled(live.spec.id, in: [.ready]).phase == .ready)
            #expect(try await edge.evictImages() == ImageEviction())
            #expect(await edge.nodeState().images == [image], "the node says which images it has")
            _ = try await edge.delete(live.spec.id, drain: .zero)
            _ = try await edge.settled(live.spec.id, in: [.gone])
            let evicted = try await edge.evictImages(runtime: .xen)
            #expect(evicted.images == 1)
            #expect(evicted.bytes >= 64 << 10)
            #expect(await edge.nodeState().images == [], "and that it no longer has them")
            #expect(try await driver.prepareImage(for: created.spec).pulled == true)
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func aCorruptedBlobInTheRegistryFailsTheDeploy() async throws {
            let storage = Testbed.temporaryDirectory("registry")
            let registry = "127.0.0.1:5011"
            try await Testbed.script("registry", ["stop", registry])
            try await Testbed.script("registry", ["start", registry, storage.path])
            let image = try await Self.pushArtifact(content: "video1", kernelBytes: 256 << 10, registry: registry)
            // Flip one byte of the kernel blob where the registry keeps it: it serves blobs as stored.
            let digest = RegistryClient.digest(of: GeneratedPayload(seed: 256 << 10, size: 256 << 10).bytes()).dropFirst("sha256:".count)
            let kernel = storage.appendingPathComponent("docker/registry/v2/blobs/sha256/\(digest.prefix(2))/\(digest)/data")
            var bytes = try Data(contentsOf: kernel)
            bytes[1_000] ^= 0xff
            try bytes.write(to: kernel)

            let (configuration, _) = try Testbed.configuration()
            let payloads = try Testbed.payload(try #require(configuration.catalog.item(named: "video1"))).deletingLastPathComponent()
            let (edge, driver) = try Self.emulatedEdge(state: Testbed.temporaryDirectory("emulated"), payloads: payloads, registry: registry)
            let created = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            let failed = try await edge.settled(created.spec.id, in: [.failed])
            #expect(failed.phase == .failed)
            #expect(failed.failure?.contains("does not match") == true)
            #expect(try await driver.discover().isEmpty)
            try await Testbed.script("registry", ["stop", registry])
        }

        /// An `xl` wrapper that runs the double with its own state and boot delay.
        static func xlDouble(state: URL, bootMilliseconds: Int = 30) throws -> String {
            let double = Testbed.root.appendingPathComponent("Tests/EdgeOperatorTests/Doubles/xl").path
            let wrapper = state.appendingPathComponent("xl")
            try "#!/bin/sh\nexec env XL_DOUBLE_STATE='\(state.path)/xl-state' XL_DOUBLE_BOOT_MS=\(bootMilliseconds) '\(double)' \"$@\"\n"
                .write(to: wrapper, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
            return wrapper.path
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func xenDriverBootsListsAndDestroysThroughXl() async throws {
            try await Testbed.script("registry", ["start", Testbed.registry])
            let state = Testbed.temporaryDirectory("xen")
            let driver = XenDriver(stateDirectory: state, network: XenGuestNetwork(gateway: IPAddress("127.11.1.254"), prefixLength: 24), xl: try Self.xlDouble(state: state))
            let (configuration, node) = try Testbed.configuration(stateDirectory: state.path)
            let edge = EdgeOperator(settings: .init(configuration: configuration, node: node), drivers: [driver], logger: Testbed.logger)
            let image = try await Self.pushArtifact(content: "video5")

            let created = try await edge.create(CreateInstanceRequest(content: "video5", flavor: "clickos", image: image))
            #expect(!created.emulated && created.spec.runtime == .xen)
            let ready = try await edge.settled(created.spec.id, in: [.ready])
            #expect(ready.phase == .ready, "\(ready.failure ?? "")")
            let domain = try #require(ready.handle?.runtimeID)
            let config = try String(contentsOf: state.appendingPathComponent("xen/\(domain).cfg"), encoding: .utf8)
            #expect(config.contains("vif = [ 'mac=00:16:3e:") && config.contains(",bridge=xenbr0' ]"))
            let commandLine = "extra = \"console=hvc0 clickos.mode=cdn augur.address=\(created.spec.address)/24 augur.port=8080 augur.gateway=127.11.1.254\""
            #expect(config.contains(commandLine), "\(config)")
            // The artifact's allowed memory setting (less than the spec's) replaces the driver's, once.
            #expect(config.contains("memory = 64") && !config.contains("memory = 256") && config.contains("vcpus = 1"))
            #expect(try await driver.discover().map(\.spec.id) == [created.spec.id])
            let usage = try await driver.usage(of: try #require(ready.handle))
            #expect(usage.memoryBytes == 64 << 20)

            _ = try await edge.delete(created.spec.id, drain: .zero)
            #expect(try await edge.settled(created.spec.id, in: [.gone]).phase == .gone)
            #expect(try await driver.discover().isEmpty)
            // Destroying a domain that is already gone succeeds, as xl's "invalid domain identifier" means.
            try await driver.destroy(RuntimeHandle(domain), spec: created.spec)
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func aGuestThatNeverServesIsDestroyedAndReportedFailed() async throws {
            try await Testbed.script("registry", ["start", Testbed.registry])
            let state = Testbed.temporaryDirectory("xen")
            let driver = XenDriver(stateDirectory: state, network: XenGuestNetwork(prefixLength: 24), xl: try Self.xlDouble(state: state, bootMilliseconds: 600_000))
            let (configuration, node) = try Testbed.configuration(stateDirectory: state.path)
            var settings = EdgeOperator.Settings(configuration: configuration, node: node)
            settings.bootTimeout = .seconds(1)
            let edge = EdgeOperator(settings: settings, drivers: [driver], logger: Testbed.logger)
            let created = try await edge.create(CreateInstanceRequest(content: "video5", flavor: "clickos", image: try await Self.pushArtifact(content: "video5")))
            let failed = try await edge.settled(created.spec.id, in: [.failed])
            #expect(failed.phase == .failed)
            #expect(failed.failure?.contains("did not serve within") == true)
            #expect(try await driver.discover().isEmpty)
        }
    }
}
