import AugurModel
import EdgeWire

/// One virtualization technology behind one protocol: make an image local, boot an instance
/// at its address, destroy it, list what it runs for this edge, and read its resource use.
/// Docker, Xen and the emulated runtime implement it; the operator above never asks which.
/// Every method throws `EdgeError`.
public protocol RuntimeDriver: Sendable {
    var runtime: RuntimeKind { get }
    /// True where the driver imitates the technology; everything it reports is marked so.
    var isEmulated: Bool { get }

    /// Makes the instance's image local (a no-op when the edge already has it).
    func prepareImage(for spec: InstanceSpec) async throws -> ImagePreparation
    /// Starts the instance; it serves once the readiness probe says so.
    func boot(_ spec: InstanceSpec) async throws -> RuntimeHandle
    /// Stops and removes the instance; destroying one that is already gone succeeds.
    func destroy(_ handle: RuntimeHandle, spec: InstanceSpec) async throws
    /// The instances this driver runs for the edge, with their specs, so that a restarted
    /// operator finds them again.
    func discover() async throws -> [DiscoveredInstance]
    func usage(of handle: RuntimeHandle) async throws -> InstanceUsage
    /// Removes the images this driver made local from `registry`, except those in `keeping`
    /// (references of the instances still alive), so that the next deploy pulls again.
    func evictImages(from registry: SocketEndpoint, keeping: Set<String>) async throws -> ImageEviction
    /// The instance's established connections to its service port: what drain waits for.
    func activeConnections(_ spec: InstanceSpec, handle: RuntimeHandle) async throws -> Int
    /// Whether nothing else serves on `address:port` where this driver's instances live.
    func addressIsFree(_ address: String, port: Int) -> Bool
    /// Why this driver's times do not compare with hardware, if they do not.
    var timingNote: String? { get }
    /// While an instance boots: why it can no longer become ready (it crashed or was
    /// destroyed), with what it last said; nil while it may still come up. The operator asks
    /// this beside the readiness probe, so a guest that dies at once fails at once.
    func bootFailure(_ handle: RuntimeHandle, spec: InstanceSpec) async -> String?
}

extension RuntimeDriver {
    public var timingNote: String? { nil }

    /// A runtime that cannot tell leaves the verdict to the readiness probe's time-out.
    public func bootFailure(_ handle: RuntimeHandle, spec: InstanceSpec) async -> String? { nil }

    /// Instances on the operator's own network stack take an address free to bind there.
    public func addressIsFree(_ address: String, port: Int) -> Bool {
        AddressCheck.isFree(address: address, port: port)
    }

    /// Instances that share the operator's network stack (host-network containers, emulated
    /// processes) show their connections in its own socket table.
    public func activeConnections(_ spec: InstanceSpec, handle: RuntimeHandle) async throws -> Int {
        ActiveConnections.count(address: spec.address, port: spec.port)
    }
}

/// An instance found in a runtime: its spec as labelled at boot and whether it still runs.
public struct DiscoveredInstance: Sendable, Hashable {
    public var spec: InstanceSpec
    public var handle: RuntimeHandle
    public var running: Bool

    public init(spec: InstanceSpec, handle: RuntimeHandle, running: Bool) {
        self.spec = spec
        self.handle = handle
        self.running = running
    }
}
