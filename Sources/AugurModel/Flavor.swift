/// The virtualization technologies an edge can offer; each has one runtime driver.
public enum RuntimeKind: String, Sendable, Hashable, CaseIterable, Codable {
    case docker, xen, qemu, emulated
}

/// A way to serve content (ClickOS, Rumprun, MirageOS, Nginx or Flask container): the runtime
/// that runs it and its measured profile from the reference evaluation.
public struct Flavor: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case unikernel, container, microvm
    }

    /// A DNS label: `<content>.<flavor>.<zone>` answers only this flavor.
    public var name: String
    public var runtime: RuntimeKind
    public var kind: Kind
    /// Image size in megabytes by content size in megabytes (docs/paper.md).
    public var imageMegabytes: [Int: Double]
    /// How long the technology takes from "start" to serving, and to be removed, with the image
    /// local: what the emulated driver follows and what the optimizer plans with.
    public var timing: TimingProfile
    /// Whether the emulated runtime may stand in for this flavor on an edge without its
    /// technology. False for flavors whose point is the real thing (`xen-linux`): only an edge
    /// that runs it for real offers them.
    public var emulable: Bool
    /// Whether the registry holds only stand-ins for this flavor's images (ClickOS, Rumprun and
    /// MirageOS: no toolchain builds them here). The planner then places it only where its
    /// runtime is emulated; an operator still boots a real kernel pushed under its name.
    public var standIn: Bool
    /// The least guest memory in megabytes that serves content of each size in megabytes, as
    /// measured for a real guest flavor (`augur-uk`, `xen-linux`); empty where the runtime
    /// sizes it itself (containers) or nothing real was measured (stand-ins).
    public var memoryMegabytes: [Int: Double]

    public init(
        name: String, runtime: RuntimeKind, kind: Kind, imageMegabytes: [Int: Double], timing: TimingProfile = TimingProfile(), emulable: Bool = true,
        standIn: Bool = false, memoryMegabytes: [Int: Double] = [:]
    ) {
        self.name = name
        self.runtime = runtime
        self.kind = kind
        self.imageMegabytes = imageMegabytes
        self.timing = timing
        self.emulable = emulable
        self.standIn = standIn
        self.memoryMegabytes = memoryMegabytes
    }

    /// A flavor's boot and removal times in milliseconds.
    public struct TimingProfile: Sendable, Hashable {
        public var bootMilliseconds: Int
        public var removalMilliseconds: Int

        public init(bootMilliseconds: Int = 0, removalMilliseconds: Int = 0) {
            self.bootMilliseconds = bootMilliseconds
            self.removalMilliseconds = removalMilliseconds
        }
    }

    /// The image size for content of `contentBytes`, interpolated linearly between the
    /// measured content sizes and extrapolated from the nearest two beyond them.
    public func imageMegabytes(forContentBytes contentBytes: Int) -> Double? {
        Self.interpolate(imageMegabytes, atContentBytes: contentBytes)
    }

    /// The guest memory for content of `contentBytes`, rounded up to a whole megabyte:
    /// interpolated as image sizes are, and for content smaller than any measured, the
    /// smallest measurement (never extrapolated below what was seen to serve).
    public func memoryMegabytes(forContentBytes contentBytes: Int) -> Int? {
        guard let smallest = memoryMegabytes.min(by: { $0.key < $1.key }) else { return nil }
        if Double(contentBytes) <= Double(smallest.key) * 1_048_576 { return Int(smallest.value.rounded(.up)) }
        return Self.interpolate(memoryMegabytes, atContentBytes: contentBytes).map { Int($0.rounded(.up)) }
    }

    private static func interpolate(_ table: [Int: Double], atContentBytes contentBytes: Int) -> Double? {
        let points = table.sorted { $0.key < $1.key }
        guard let first = points.first else { return nil }
        let x = Double(contentBytes) / 1_048_576
        guard points.count > 1 else { return first.value }
        let upper = points.firstIndex { Double($0.key) >= x } ?? points.count - 1
        let (a, b) = upper == 0 ? (points[0], points[1]) : (points[upper - 1], points[upper])
        let slope = (b.value - a.value) / Double(b.key - a.key)
        return max(0, a.value + slope * (x - Double(a.key)))
    }
}
