import AugurModel

/// What really serves an instance: every output that shows one (the API, `augur status`, the
/// replay's progress, CSV files, summary and figures) labels it with this, so an emulated
/// instance is never taken for a guest or a container.
public enum InstanceTruth: String, Sendable, Hashable, Codable, CaseIterable {
    case realXenGuest = "real-xen-guest"
    case realMicroVM = "real-microvm"
    case realContainer = "real-container"
    case emulated

    public init(runtime: RuntimeKind, emulated: Bool) {
        switch (runtime, emulated) {
        case (_, true), (.emulated, _): self = .emulated
        case (.xen, false): self = .realXenGuest
        case (.qemu, false): self = .realMicroVM
        case (.docker, false): self = .realContainer
        }
    }

    /// How a person reads it: "real Xen guest", "real container", "emulated".
    public var phrase: String {
        switch self {
        case .realXenGuest: "real Xen guest"
        case .realMicroVM: "real microVM"
        case .realContainer: "real container"
        case .emulated: "emulated"
        }
    }

    /// Counts by label as `real-xen-guest=1;emulated=3` (labels in a fixed order, zeros left out).
    public static func tally(_ labels: [InstanceTruth]) -> String {
        let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
        return allCases.compactMap { label in counts[label].map { "\(label.rawValue)=\($0)" } }.joined(separator: ";")
    }
}
