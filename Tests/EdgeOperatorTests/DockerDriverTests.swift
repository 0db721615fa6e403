import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport


extension EdgeServices {
    /// The docker driver against a real dockerd and the real registry.
    @Suite
    struct DockerDriverTests {
        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func deploysServesAndRemovesAnNginxContainer() async throws {
            let (configuration, node) = try Testbed.configuration()
            let content = try #require(configuration.catalog.item(named: "video1"))
            let socket = try await Testbed.dockerEdge(content: content)
            let driver = DockerDriver(socketPath: socket, edge: node.name)
            for stale in try await driver.discover() { try await driver.destroy(stale.handle, spec: stale.spec) }
            _ = try? await DockerEngine(socketPath: socket).send(.DELETE, "/images/\(Testbed.registry)/augur/nginx:video1", query: ["force": "true"])

            let edge = EdgeOperator(settings: .init(configuration: configuration, node: node), drivers: [driver], logger: Testbed.logger)
            let created = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "nginx", address: "127.11.2.149"))
            #expect(created.phase == .pulling)
            let ready = try await edge.settled(created.spec.id, in: [.ready])
            #expect(ready.phase == .ready, "\(ready.failure ?? "")")
            #expect(ready.image?.pulled == true)
            #expect(try #require(ready.timeline.allocationSeconds) > 0)
            #expect(ready.timeline.pullSeconds != nil && ready.timeline.bootSeconds != nil)

            let (status, body) = try await download("http://127.11.2.149:8080/video1")
            #expect(status == 200)
            #expect(body == Data(try #require(GeneratedPayload(content)).bytes()))

            let found = try await driver.discover()
            #expect(found.contains { $0.spec.id == created.spec.id && $0.running })

            _ = try await edge.delete(created.spec.id, drain: .seconds(1))
            let gone = try await edge.settled(created.spec.id, in: [.gone])
            #expect(gone.phase == .gone)
            #expect(gone.timeline.removalSeconds != nil)
            #expect(try await driver.discover().allSatisfy { $0.spec.id != created.spec.id })
            #expect(AddressCheck.isFree(address: "127.11.2.149", port: 8080))

            // The image is now in this edge's cache: the second deploy does not pull.
            let again = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "nginx", address: "127.11.2.150"))
            let readyAgain = try await edge.settled(again.spec.id, in: [.ready])
            #expect(readyAgain.image?.pulled == false)
            // Eviction keeps the image a container runs; once none does, the next deploy pulls it again.
            #expect(try await edge.evictImages(runtime: .docker) == ImageEviction())
            _ = try await edge.delete(again.spec.id, drain: .zero)
            _ = try await edge.settled(again.spec.id, in: [.gone])
            let evicted = try await edge.evictImages(runtime: .docker)
            #expect(evicted.images == 1)
            #expect(evicted.bytes > 0)
            #expect(try await driver.prepareImage(for: again.spec).pulled == true)
        }

        /// A registry that wants a login (as the testbeds start theirs): the engine pulls with
        /// the topology's login in `X-Registry-Auth`, and a driver without it is told so.
        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd and the registry"))
        func anAuthenticatedRegistryIsPulledFromWithItsLoginOnly() async throws {
            let (configuration, node) = try Testbed.configuration()
            let content = try #require(configuration.catalog.item(named: "video1"))
            let socket = try await Testbed.dockerEdge(content: content)
            // The same storage, served with a login on another loopback address.
            let credentials = Testbed.temporaryDirectory("registry-login").appendingPathComponent("credentials").path
            let registry = "127.0.0.9:5000"
            // A run killed midway may have left it up with another login.
            _ = try await Testbed.script("registry", ["stop", registry])
            _ = try await Testbed.script("registry", ["start", registry, "/var/lib/augur/registry", "--credentials", credentials])
            let login = try RegistryLogin.load(credentials)
            let image = "\(registry)/augur/nginx:video1"
            let spec = InstanceSpec(id: "login-test", edge: node.name, content: "video1", flavor: "nginx", runtime: .docker, image: image, address: "127.11.2.151", port: 8080)
            do {
                _ = try? await DockerEngine(socketPath: socket).send(.DELETE, "/images/\(image)", query: ["force": "true"])
                let anonymous = await #expect(throws: EdgeError.self) { try await DockerDriver(socketPath: socket, edge: node.name).prepareImage(for: spec) }
                guard case .registryRefused = anonymous else { throw TestbedError(description: "an anonymous pull was not refused: \(String(describing: anonymous))") }
                let pulled = try await DockerDriver(socketPath: socket, edge: node.name, registryLogins: [registry: login]).prepareImage(for: spec)
                #expect(pulled.pulled && (pulled.bytes ?? 0) > 0)
                _ = try? await DockerEngine(socketPath: socket).send(.DELETE, "/images/\(image)", query: ["force": "true"])
            } catch {
                _ = try? await Testbed.script("registry", ["stop", registry])
                throw error
            }
            _ = try await Testbed.script("registry", ["stop", registry])
        }
    }
}
