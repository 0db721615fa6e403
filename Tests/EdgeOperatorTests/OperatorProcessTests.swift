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
        static func startOperator(directory: URL, state: URL, payloads: URL) async throws -> (Process, EdgeClient) {
            let binary = try Testbed.augurBinary()
            let process = Process()
            process.executableURL = binary
            process.currentDirectoryURL = directory
            process.arguments = [
                "edge", "--edge", "edge-1", "--listen", listen, "--state-directory", state.path, "--payloads", payloads.path, "--log-level", "warning",
            ] + RepositoryFiles.arguments
            let log = try FileHandle(forWritingTo: {
                let url = directory.appendingPathComponent("edge.log")
                FileManager.default.createFile(atPath: url.path, contents: nil)
                return url
            }())
            process.standardOutput = log
            process.standardError = log
            try process.run()
            for _ in 0..<300 {
                if let token = try? String(contentsOf: directory.appendingPathComponent(".augur/edge-1.token"), encoding: .utf8) {
                    let client = EdgeClient(edge: "edge-1", baseURL: "http://\(listen)", token: token.trimmingCharacters(in: .whitespacesAndNewlines))
                    if (try? await client.node()) != nil { return (process, client) }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.terminate()
            throw TestbedError(description: "augur edge did not answer on \(listen): \((try? String(contentsOf: directory.appendingPathComponent("edge.log"), encoding: .utf8)) ?? "")")
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons"), arguments: [SIGTERM, SIGKILL])
        func aStoppedOperatorFindsItsInstanceAgainAndLeavesNothingOrphaned(signal: Int32) async throws {
            let (_, _, image, state, payloads) = try await UnikernelDriverTests.emulatedDeployment(content: "video1")
            let directory = Testbed.temporaryDirectory("operator")
            var (process, client) = try await Self.startOperator(directory: directory, state: state, payloads: payloads)
            let ready = try await client.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: image), waitUntilReady: true)
            #expect(ready.phase == .ready)

            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            if signal == SIGTERM {
                #expect(process.terminationReason == .exit && process.terminationStatus == 0, "SIGTERM stops it clean")
            } else {
                #expect(process.terminationReason == .uncaughtSignal)
            }
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
            process.terminate()
            process.waitUntilExit()
            let driver = EmulatedDriver(flavors: [:], payloads: payloads, stateDirectory: state)
            #expect(try await driver.discover().isEmpty)
            #expect(AddressCheck.isFree(address: ready.spec.address, port: 8080))
        }
    }
}
