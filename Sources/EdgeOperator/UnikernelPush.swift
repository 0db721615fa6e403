import AugurModel
import EdgeWire
import Foundation

/// Pushes a unikernel kernel for a flavor and content under the tag operators pull by default
/// (`REGISTRY/augur/FLAVOR:CONTENT`): shared by `augur image push-unikernel` and the replay.
public enum UnikernelPush {
    public static func push(
        _ kernel: Data, ramdisk: Data? = nil, flavor: Flavor, item: ContentItem, registry: SocketEndpoint, login: RegistryLogin? = nil, tag: String? = nil,
        domainSettings: [String: String] = [:]
    ) async throws -> (ImageReference, String) {
        guard let reference = ImageReference("\(registry)/augur/\(flavor.name):\(tag ?? item.name)") else {
            throw UnikernelPushError(reason: "cannot form an image reference for \(flavor.name):\(tag ?? item.name)")
        }
        let digest = try await UnikernelArtifact.push(kernel: kernel, ramdisk: ramdisk, config: .init(flavor: flavor.name, content: item.name, domainSettings: domainSettings), to: reference, login: login)
        return (reference, digest)
    }

    /// The stand-in of the paper's size (payload plus filler) for `item` on `flavor`. A flavor
    /// that is never emulated (augur-uk, xen-linux) has no stand-in: pushing one would replace
    /// its real kernel under the same tag.
    public static func pushStandIn(
        flavor: Flavor, item: ContentItem, payloads: URL, registry: SocketEndpoint, login: RegistryLogin? = nil
    ) async throws -> (ImageReference, String) {
        guard flavor.emulable else {
            throw UnikernelPushError(reason: "\(flavor.name) is never emulated: it has no stand-in (Scripts/unikernel-images and Scripts/xen-host push its real images)")
        }
        let payload = try Data(contentsOf: payloads.appendingPathComponent(item.name))
        return try await push(UnikernelArtifact.standIn(payload: payload, flavor: flavor, contentBytes: item.sizeBytes), flavor: flavor, item: item, registry: registry, login: login)
    }
}

/// A kernel that cannot be named in the registry.
public struct UnikernelPushError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
