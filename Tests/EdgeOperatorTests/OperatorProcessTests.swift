import AugurModel
@testable import EdgeLink
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport

extension EdgeServices {
    /// The real `augur edge` process, stopped mid-life (SIGTERM: a clean exit; SIGKILL) and
    /// started again: its instances keep serving meanwhile, as the restart path expects, and
    /// the new process finds them.
    @Suite
    struct OperatorProcessTests {
        static let listen = "127.0.0.1:7191"

        /// Starts `augur edge` for edge-1 in `directory` (where its token file goes) and waits for its API.
        static func startOperator(directory: URL, state: URL, payloads: URL) async throws -> (ChildProcess, EdgeClient) {
            let process = try ChildProcess(
                Testbed.augurBinary(),
                ["edge", "--edge", "edge-1", "--listen", listen, "--state-directory", state.path, "--payloads", payloads.path, "--log-level", "warning"]
                    + RepositoryFiles.arguments,
                in: directory, log: directory.appendingPathComponent("edge.log"))
            for _ in 0..<300 {
                if let token = try? String(contentsOf: directory.appendingPathComponent(".augur/edge-1.token"), encoding: .utf8) {
                    let client = EdgeClient(edge: "edge-1", baseURL: "http://\(listen)", token: token.trimmingCharacters(in: .whitespacesAndNewlines))
                    if (try? await client.node()) != nil { return (process, client) }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            await process.stop()
            throw TestbedError(description: "augur edge did not answer on \(listen): \(process.output)")
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons"), arguments: [SIGTERM, SIGKILL])
        func aStoppedOperatorFindsItsInstanceAgainAndLeavesNothingOrphaned(signal: Int32) async throws {
            let (_, _, image, state, payloads) = try await UnikernelDriverTests.emulatedDeployment(content: "video1")
            let directory = Testbed.temporaryDirectory("operator")
            var (process, client) = try await Self.startOperator(directory: directory, state: state, payloads: payloads)
            let ready = try await client.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image), waitUntilReady: true)
            #expect(ready.phase == .ready)

            let ending = await process.stop(signal)
            #expect(ending == (signal == SIGTERM ? .exited(0) : .signalled(SIGKILL)), "SIGTERM stops it clean, SIGKILL dead: \(process.output.suffix(2_000))")
            #expect(try await download("http://\(ready.spec.address):8080/video1").status == 200)

            (process, client) = try await Self.startOperator(directory: directory, state: state, payloads: payloads)
            var found: EdgeInstance?
            for _ in 0..<100 {
                found = try? await client.instance(ready.spec.id)
                if found?.phase == .ready { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(found?.phase == .ready)
            #expect(found?.spec == ready.spec)
            let gone = try await client.delete(ready.spec.id, drainSeconds: 0, waitUntilGone: true)
            #expect(gone.phase == .gone)
            await process.stop()
            let driver = EmulatedDriver(flavors: [:], payloads: payloads, stateDirectory: state)
            #expect(try await driver.discover().isEmpty)
            #expect(AddressCheck.isFree(address: ready.spec.address, port: 8080))
        }
    }
}
