import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing

/// A digest from a registry becomes a file name in an edge's store: only `sha256:` and 64 hex
/// digits get there.
@Suite struct RegistryDigestTests {
    @Test(arguments: [
        ("sha256:" + String(repeating: "0123456789abcdef", count: 4), true),
        ("sha256:" + String(repeating: "0123456789ABCDEF", count: 4), false),
        ("sha256:../../../../etc/passwd", false),
        ("sha256:" + String(repeating: "a", count: 63), false),
        ("sha512:" + String(repeating: "a", count: 64), false),
        ("sha256:" + String(repeating: "a", count: 63) + "/", false),
    ])
    func onlySHA256HexDigestsAreAccepted(_ digest: String, _ valid: Bool) {
        #expect(RegistryClient.Descriptor.isValidDigest(digest) == valid)
    }

    /// An edge's store whose tag file names a digest that is a path (written by anyone who
    /// could write there, or by an older operator) never reads outside the store.
    @Test func aCachedTagThatIsAPathIsNeverFollowedOutOfTheStore() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("augur-digest-\(UUID().uuidString.prefix(8))")
        let store = root.appendingPathComponent("store")
        // Blobs the planted manifest names are in the store, so only the digest check stops it.
        let blobs = store.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let config = try JSONEncoder().encode(UnikernelArtifact.Config(flavor: "clickos", content: "video1"))
        try config.write(to: blobs.appendingPathComponent(String(repeating: "a", count: 64)))
        try Data([1]).write(to: blobs.appendingPathComponent(String(repeating: "b", count: 64)))
        let kernel = RegistryClient.Descriptor(mediaType: UnikernelArtifact.kernelMediaType, digest: "sha256:" + String(repeating: "b", count: 64), size: 1)
        let outside = RegistryClient.Manifest(
            artifactType: UnikernelArtifact.artifactType,
            config: .init(mediaType: UnikernelArtifact.configMediaType, digest: "sha256:" + String(repeating: "a", count: 64), size: config.count), layers: [kernel])
        try FileManager.default.createDirectory(at: store.appendingPathComponent("tags"), withIntermediateDirectories: true)
        try JSONEncoder().encode(outside).write(to: root.appendingPathComponent("planted"))
        // Registry unreachable: the store falls back to the digest its tag last resolved to.
        let reference = try #require(ImageReference("127.0.0.1:1/augur/clickos:video1"))
        try Data("sha256:../../../planted".utf8).write(to: store.appendingPathComponent("tags/127.0.0.1:1_augur_clickos:video1"))
        let error = await #expect(throws: EdgeError.self) { try await ArtifactStore(directory: store).fetch(reference) }
        guard case .registryUnreachable = error else {
            Issue.record("the planted manifest outside the store was read: \(String(describing: error))")
            return
        }
    }
}
