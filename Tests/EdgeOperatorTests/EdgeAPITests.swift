import AugurModel
@testable import EdgeLink
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

extension EdgeServices {
    /// The operator's HTTP API: auth on mutating calls, 400 with the reason, 404, the
    /// instance lifecycle through create and delete, and the event stream.
    @Suite
    struct EdgeAPITests {
        static let token = "test-token-0123456789abcdef"

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func apiAnswersEachCaseAndDrivesTheLifecycle() async throws {
            let (edge, _, image, _, _) = try await UnikernelDriverTests.emulatedDeployment(content: "video5")
            let app = Application(router: EdgeAPI.router(for: edge, token: Self.token))
            let auth: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601

            try await app.test(.router) { client in
                let body = ByteBuffer(string: #"{"content":"video5","flavor":"clickos","image":"\#(image)"}"#)
                try await client.execute(uri: "/v1/instances", method: .post, body: body) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/instances", method: .post, headers: [.authorization: "Bearer wrong"], body: body) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/instances", method: .post, headers: auth, body: ByteBuffer(string: #"{"flavor":"clickos"}"#)) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains("missing field 'content'"))
                }
                try await client.execute(uri: "/v1/instances", method: .post, headers: auth, body: ByteBuffer(string: #"{"content":"video5","flavor":"unikraft"}"#)) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains("not served by flavor 'unikraft'"))
                }
                try await client.execute(uri: "/v1/instances/nope", method: .get, headers: auth) { #expect($0.status == .notFound) }
                try await client.execute(uri: "/v1/instances/nope", method: .delete, headers: auth) { #expect($0.status == .notFound) }

                let ready = try await client.execute(uri: "/v1/instances?wait=true", method: .post, headers: auth, body: body) { response in
                    #expect(response.status == .created)
                    return try decoder.decode(EdgeInstance.self, from: Data(buffer: response.body))
                }
                #expect(ready.phase == .ready && ready.emulated)
                #expect(ready.seconds["allocation"] != nil && ready.seconds["boot"] != nil)
                let whole = try await client.execute(uri: "/v1/instances", method: .get, headers: auth) { response in
                    try decoder.decode(InstanceList.self, from: Data(buffer: response.body))
                }
                #expect(whole.complete && whole.instances.map(\.spec.id) == [ready.spec.id])
                let cursor = try #require(whole.cursor)
                try await client.execute(uri: "/v1/instances?since=\(cursor)", method: .get, headers: auth) { response in
                    let changes = try decoder.decode(InstanceList.self, from: Data(buffer: response.body))
                    #expect(!changes.complete && changes.instances.isEmpty && changes.cursor == cursor, "nothing changed since")
                }
                try await client.execute(uri: "/v1/instances?since=not-a-cursor", method: .get, headers: auth) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains("since must be a cursor"))
                }
                try await client.execute(uri: "/v1/node", method: .get, headers: auth) { response in
                    let state = try decoder.decode(NodeState.self, from: Data(buffer: response.body))
                    #expect(state.instances[.ready] == 1 && state.emulatedRuntimes == ["emulated"])
                }
                try await client.execute(uri: "/v1/instances/\(ready.spec.id)?drain=abc", method: .delete, headers: auth) { #expect($0.status == .badRequest) }
                try await client.execute(uri: "/v1/instances/\(ready.spec.id)?drain=0&wait=true", method: .delete, headers: auth) { response in
                    #expect(response.status == .ok)
                    let gone = try decoder.decode(EdgeInstance.self, from: Data(buffer: response.body))
                    #expect(gone.phase == .gone)
                }
                try await client.execute(uri: "/v1/images", method: .delete) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/images?runtime=vmware", method: .delete, headers: auth) { #expect($0.status == .badRequest) }
                let evicted = try await client.execute(uri: "/v1/images?runtime=emulated", method: .delete, headers: auth) { response in
                    #expect(response.status == .ok)
                    return try decoder.decode(ImageEviction.self, from: Data(buffer: response.body))
                }
                #expect(evicted.images == 1)
            }
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func eventsStreamEveryPhaseChange() async throws {
            let (edge, _, image, _, _) = try await UnikernelDriverTests.emulatedDeployment(content: "video5")
            let stream = await edge.events()
            let created = try await edge.create(CreateInstanceRequest(content: "video5", flavor: "clickos", image: image))
            _ = try await edge.settled(created.spec.id, in: [.ready])
            _ = try await edge.delete(created.spec.id, drain: .zero)
            var phases: [InstancePhase] = []
            for await change in stream where change.spec.id == created.spec.id {
                phases.append(change.phase)
                if change.phase.isFinal { break }
            }
            #expect(phases == [.pulling, .booting, .ready, .draining, .gone])
        }
    }
}

extension EdgeServices {
    /// `EdgeClient` against a live operator API on loopback.
    @Suite
    struct EdgeClientTests {
        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func clientDrivesALiveOperatorAndNamesTheEdgeInErrors() async throws {
            let (edge, _, image, _, _) = try await UnikernelDriverTests.emulatedDeployment(content: "video5")
            let app = Application(router: EdgeAPI.router(for: edge, token: EdgeAPITests.token), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let operatorClient = EdgeClient(edge: "edge-1", baseURL: "http://127.0.0.1:\(port)", token: EdgeAPITests.token)
                let ready = try await operatorClient.create(CreateInstanceRequest(content: "video5", flavor: "clickos", image: image), waitUntilReady: true)
                #expect(ready.phase == .ready)
                #expect(try await operatorClient.instances().map(\.spec.id) == [ready.spec.id])
                #expect(try await operatorClient.node().instances[.ready] == 1)
                await #expect(throws: EdgeClient.Failure.rejected(edge: "edge-1", status: 404, message: "no instance 'nope' on this edge")) {
                    try await operatorClient.instance("nope")
                }
                let wrongToken = EdgeClient(edge: "edge-1", baseURL: "http://127.0.0.1:\(port)", token: "not-the-token")
                await #expect(throws: EdgeClient.Failure.self) { try await wrongToken.delete(ready.spec.id, drainSeconds: 0) }
                let listed = try await operatorClient.instances(since: nil)
                let gone = try await operatorClient.delete(ready.spec.id, drainSeconds: 0, waitUntilGone: true)
                #expect(gone.phase == .gone)
                let changes = try await operatorClient.instances(since: listed.cursor)
                #expect(!changes.complete && changes.instances.map(\.phase) == [.gone], "only the removal, which drained then ended it")
            }
            let down = EdgeClient(edge: "edge-9", baseURL: "http://127.0.0.1:1", token: EdgeAPITests.token)
            do {
                _ = try await down.node()
                Issue.record("a call to a closed port answered")
            } catch let failure as EdgeClient.Failure {
                #expect(failure.description.hasPrefix("edge edge-9 unreachable"))
            }
        }
    }
}
