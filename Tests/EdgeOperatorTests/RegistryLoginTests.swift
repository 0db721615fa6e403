import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The registry client against a registry that wants a login and names each manifest's
/// digest (as Distribution does): the login is sent, a missing or wrong one is an error that
/// says so, and a manifest whose bytes are not the digest the registry names is refused.
/// No root: a stand-in registry on loopback.
@Suite struct RegistryLoginTests {
    static let login = RegistryLogin(username: "augur", password: "registry-password-0123456789")

    /// A registry holding one manifest under `augur/clickos:video1`, answered with `namedDigest`
    /// (the right one by default), that needs `login`.
    static func registry(namedDigest: String? = nil) -> some ApplicationProtocol {
        let manifest = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:\#(String(repeating: "a", count: 64))","size":1},"layers":[]}"#.utf8)
        let router = Router()
        router.get("/v2/augur/clickos/manifests/video1") { request, _ -> Response in
            guard request.headers[.authorization] == login.basicAuthorization else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Basic realm="augur""#])
            }
            return Response(
                status: .ok, headers: [HTTPField.Name("Docker-Content-Digest")!: namedDigest ?? RegistryClient.digest(of: manifest)],
                body: .init(byteBuffer: ByteBuffer(bytes: manifest)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func theLoginIsSentAndAMissingOrWrongOneSaysSo() async throws {
        try await Self.registry().test(.live) { client in
            let registry = "127.0.0.1:\(try #require(client.port))"
            let reference = try #require(ImageReference("\(registry)/augur/clickos:video1"))
            let (digest, manifest) = try await RegistryClient(registry: registry, logins: [registry: Self.login]).manifest(reference)
            #expect(manifest.layers.isEmpty && digest.hasPrefix("sha256:"))

            let anonymous = await #expect(throws: EdgeError.self) { try await RegistryClient(registry: registry).manifest(reference) }
            guard case .registryRefused(_, let reason) = anonymous else { Issue.record("\(String(describing: anonymous))"); return }
            #expect(reason.contains("registry_credentials"))
            let wrong = RegistryLogin(username: "augur", password: "not-the-password-0123456789")
            let refused = await #expect(throws: EdgeError.self) { try await RegistryClient(registry: registry, login: wrong).manifest(reference) }
            guard case .registryRefused(_, let why) = refused else { Issue.record("\(String(describing: refused))"); return }
            #expect(why.contains("refused the login 'augur'"))
        }
    }

    @Test func aTagWhoseBytesAreNotTheNamedDigestIsRefused() async throws {
        let other = "sha256:" + String(repeating: "c", count: 64)
        try await Self.registry(namedDigest: other).test(.live) { client in
            let registry = "127.0.0.1:\(try #require(client.port))"
            let reference = try #require(ImageReference("\(registry)/augur/clickos:video1"))
            let error = await #expect(throws: EdgeError.self) { try await RegistryClient(registry: registry, login: Self.login).manifest(reference) }
            guard case .digestMismatch(_, let expected, _) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(expected == other)
        }
    }

    @Test func aCredentialsFileIsCheckedBeforeUse() throws {
        let folder = Testbed.temporaryDirectory("login")
        let file = folder.appendingPathComponent("credentials")
        try Data("augur:registry-password-0123456789\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try RegistryLogin.load(file.path) == Self.login)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: RegistryLogin.FileError.self) { try RegistryLogin.load(file.path) }
        try Data("no-colon-here-0123456789".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let error = #expect(throws: RegistryLogin.FileError.self) { try RegistryLogin.load(file.path) }
        #expect(error?.reason.contains("USER:PASSWORD") == true)
        #expect(throws: RegistryLogin.FileError.self) { try RegistryLogin.load(folder.appendingPathComponent("missing").path) }
    }
}
