import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Hummingbird
import HummingbirdTesting
import Testing

/// Ready means the object is served: an instance whose `/ready` answers but whose object
/// does not (a file its server cannot read answers 403) is never ready. No root: a stand-in
/// instance on loopback.
@Suite struct ReadinessProbeTests {
    static func instance(objectStatus: HTTPResponse.Status) -> some ApplicationProtocol {
        let router = Router()
        router.get("/ready") { _, _ in "ready\n" }
        router.get("/video1") { request, _ -> Response in
            guard objectStatus == .ok else { return Response(status: objectStatus) }
            let ranged = request.headers[.range] == "bytes=0-0"
            return Response(status: ranged ? .partialContent : .ok, body: .init(byteBuffer: ByteBuffer(string: "v")))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func spec(port: Int) -> InstanceSpec {
        InstanceSpec(id: "probe-test", edge: "edge-1", content: "video1", flavor: "clickos", runtime: .emulated, image: "127.0.0.1:5000/augur/clickos:video1", address: "127.0.0.1", port: port)
    }

    @Test func anInstanceThatServesItsObjectIsReady() async throws {
        try await Self.instance(objectStatus: .ok).test(.live) { client in
            _ = try await ReadinessProbe().waitUntilReady(Self.spec(port: try #require(client.port)), timeout: .seconds(10))
        }
    }

    @Test func anInstanceWhoseObjectIsForbiddenFailsAtOnceSayingWhy() async throws {
        try await Self.instance(objectStatus: .forbidden).test(.live) { client in
            let error = await #expect(throws: EdgeError.self) {
                try await ReadinessProbe().waitUntilReady(Self.spec(port: try #require(client.port)), timeout: .seconds(10))
            }
            #expect(error == .objectNotServed(instance: "probe-test", path: "/video1", status: 403))
        }
    }
}
