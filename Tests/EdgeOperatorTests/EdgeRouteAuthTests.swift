@testable import APIServing
@testable import EdgeOperator
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The operator's real routes, each refused without the token and with a wrong one, however
/// its slashes are written: no root, nothing deployed.
@Suite struct EdgeRouteAuthTests {
    @Test func everyRouteOfTheOperatorNeedsTheToken() async throws {
        let token = "route-auth-token-0123456789"
        let admission = APIAdmission()
        let app = Application(router: EdgeAPI.router(for: try RequestValidationTests.emulatedEdge(), token: token, admission: admission))
        let routes: [(HTTPRequest.Method, String)] = [
            (.get, "/v1/node"), (.get, "/v1/instances"), (.get, "/v1/instances/x"), (.get, "/v1/instances/x?wait=settled"), (.post, "/v1/instances"),
            (.delete, "/v1/instances/x?drain=0"), (.delete, "/v1/images"), (.get, "/v1/events"), (.get, "/v1/events/"), (.get, "//v1//node"),
        ]
        try await app.test(.router) { client in
            for (method, route) in routes {
                try await client.execute(uri: route, method: method) { #expect($0.status == .unauthorized, "\(method) \(route) without a token") }
                try await client.execute(uri: route, method: method, headers: [.authorization: "Bearer \(token)x"]) {
                    #expect($0.status == .unauthorized, "\(method) \(route) with a wrong token")
                }
            }
            try await client.execute(uri: "/v1/node", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        #expect(admission.held.requests == 0)
    }
}
