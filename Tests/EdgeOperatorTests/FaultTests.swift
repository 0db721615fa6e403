import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport

extension EdgeServices {
    /// Each fault the issue names has a defined outcome: a failed instance with the reason,
    /// an error from the API, or a recovered fleet, and never an orphaned instance.
    @Suite
    struct FaultTests {
        /// An edge on `socket`'s dockerd whose topology names `registry` (default: the test registry).
        static func dockerEdge(socket: String, registry: String? = nil) async throws -> (EdgeOperator, DockerDriver) {
            let (configuration, node) = try Testbed.configuration(dockerSocket: socket)
            let content = try #require(configuration.catalog.item(named: "video1"))
            _ = try await Testbed.dockerEdge(content: content)
            let driver = DockerDriver(socketPath: socket, edge: node.name)
            var settings = EdgeOperator.Settings(configuration: configuration, node: node)
            if let registry { settings.registry = try #require(SocketEndpoint(registry)) }
            return (EdgeOperator(settings: settings, drivers: [driver], logger: Testbed.logger), driver)
        }

        static func failure(_ edge: EdgeOperator, _ request: CreateInstanceRequest) async throws -> String {
            let created = try await edge.create(request)
            let settled = try await edge.settled(created.spec.id, in: [.ready])
            #expect(settled.phase == .failed)
            return settled.failure ?? ""
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func imageMissingRegistryDownAndDockerdDownFailTheDeployWithTheReason() async throws {
            let (edge, driver) = try await Self.dockerEdge(socket: "/run/augur/edge-test/docker.sock")
            let missing = try await Self.failure(edge, CreateInstanceRequest(content: "video1", flavor: "nginx", image: "\(Testbed.registry)/augur/nginx:no-such-tag"))
            #expect(missing.contains("not found"), "\(missing)")
            // An edge whose topology's registry does not answer.
            let (registryDown, _) = try await Self.dockerEdge(socket: "/run/augur/edge-test/docker.sock", registry: "127.0.0.1:5019")
            let down = try await Self.failure(registryDown, CreateInstanceRequest(content: "video1", flavor: "nginx"))
            #expect(down.contains("registry 127.0.0.1:5019 unreachable"), "\(down)")
            #expect(try await driver.discover().isEmpty)

            let (noEngine, _) = try await Self.dockerEdge(socket: "/run/augur/no-such-edge/docker.sock")
            let engineDown = try await Self.failure(noEngine, CreateInstanceRequest(content: "video1", flavor: "nginx"))
            #expect(engineDown.contains("docker runtime at /run/augur/no-such-edge/docker.sock unreachable"), "\(engineDown)")
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func deleteDuringPullLeavesNothingBehind() async throws {
            let socket = "/run/augur/edge-test/docker.sock"
            let (edge, driver) = try await Self.dockerEdge(socket: socket)
            _ = try? await DockerEngine(socketPath: socket).send(.DELETE, "/images/\(Testbed.registry)/augur/nginx:video1", query: ["force": "true"])
            let created = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "nginx"))
            let deleting = try await edge.delete(created.spec.id, drain: .zero)
            #expect(deleting.phase == .draining)
            let gone = try await edge.settled(created.spec.id, in: [.gone])
            #expect(gone.phase == .gone)
            #expect(try await driver.discover().isEmpty)
            #expect(AddressCheck.isFree(address: created.spec.address, port: 8080))
        }

        @Test func anAddressInUseIsRefusedBeforeAnythingStarts() async throws {
            let (configuration, node) = try Testbed.configuration()
            let state = Testbed.temporaryDirectory("emulated")
            let driver = EmulatedDriver(flavors: configuration.flavors, payloads: state, stateDirectory: state)
            let edge = EdgeOperator(settings: .init(configuration: configuration, node: node), drivers: [driver], logger: Testbed.logger)
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(8080).bigEndian)
            inet_pton(AF_INET, "127.11.3.250", &address.sin_addr)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #expect(bound == 0 && listen(listener, 1) == 0)
            await #expect(throws: EdgeError.addressInUse("127.11.3.250:8080")) {
                try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", address: "127.11.3.250"))
            }
            await #expect(throws: EdgeError.self) {
                try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", address: "127.11.2.5"))
            }
            #expect(await edge.instances().isEmpty)
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func aRestartedOperatorFindsItsInstancesAndRemovesStoppedOnes() async throws {
            var (edge, driver, image, state, payloads) = try await UnikernelDriverTests.emulatedDeployment(content: "video1")
            let survivor = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            let victim = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image))
            #expect(try await edge.settled(survivor.spec.id, in: [.ready]).phase == .ready)
            #expect(try await edge.settled(victim.spec.id, in: [.ready]).phase == .ready)

            // The operator goes away without removing anything (as after kill -9); one instance dies meanwhile.
            let pidText = try String(contentsOf: state.appendingPathComponent("emulated/\(victim.spec.id)/nginx.pid"), encoding: .utf8)
            kill(-(try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))), SIGKILL)
            try await Task.sleep(for: .milliseconds(100))
            (edge, driver) = try UnikernelDriverTests.emulatedEdge(state: state, payloads: payloads)
            await edge.recover()
            let found = try await edge.settled(survivor.spec.id, in: [.ready])
            #expect(found.phase == .ready)
            #expect(found.spec == survivor.spec)
            #expect(await edge.instances().map(\.spec.id) == [survivor.spec.id])
            #expect(try await driver.discover().map(\.spec.id) == [survivor.spec.id])
            let (status, _) = try await download("http://\(survivor.spec.address):8080/video1")
            #expect(status == 200)
            _ = try await edge.delete(survivor.spec.id, drain: .zero)
            #expect(try await edge.settled(survivor.spec.id, in: [.gone]).phase == .gone)
        }
    }
}
