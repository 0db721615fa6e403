import AugurModel
import EdgeWire

/// What an edge may say of an instance. An edge's operator is another machine: what it
/// reports enters the fleet, and so DNS, only when it is about an instance on that edge, at
/// an address inside that edge's pool for the instance's runtime, on the service port, of a
/// content the catalog has and a flavor that content offers. Anything else is refused with
/// the reason, never answered and never acted on. Pure.
public struct ReportAdmission: Sendable {
    public let configuration: AugurConfiguration
    /// The topology's edges and the catalog's flavors per content, by name: a report is
    /// checked in constant time, however large the fleet.
    private let edges: [String: Node]
    private let contentFlavors: [String: Set<String>]

    public init(configuration: AugurConfiguration) {
        self.configuration = configuration
        edges = Dictionary(configuration.topology.edges.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        contentFlavors = Dictionary(configuration.catalog.contents.map { ($0.name, Set($0.flavors)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Why `instance`, as `edge` reported it, is refused; nil when it is admitted.
    public func refusal(of instance: EdgeInstance, from edge: String) -> String? {
        let spec = instance.spec
        guard spec.edge == edge else { return "it names edge '\(spec.edge)'" }
        guard let node = edges[edge], node.role == .edge else { return "'\(edge)' is not an edge of the topology" }
        guard let flavors = contentFlavors[spec.content] else { return "unknown content '\(spec.content)'" }
        guard configuration.flavors[spec.flavor] != nil, flavors.contains(spec.flavor) else {
            return "content '\(spec.content)' is not served by flavor '\(spec.flavor)'"
        }
        guard let pool = node.pools[spec.runtime] else { return "\(edge) has no \(spec.runtime.rawValue) pool" }
        guard let address = IPAddress(spec.address), pool.contains(address) else {
            return "address '\(spec.address)' is outside \(edge)'s \(spec.runtime.rawValue) pool \(pool)"
        }
        guard spec.port == configuration.topology.servicePort else { return "port \(spec.port) is not the service port \(configuration.topology.servicePort)" }
        return nil
    }
}

/// An edge's answer the orchestrator refused (see `ReportAdmission`).
public struct RefusedReport: Error, CustomStringConvertible {
    public let edge: String
    public let reason: String

    public init(edge: String, reason: String) {
        self.edge = edge
        self.reason = reason
    }

    public var description: String { "\(edge) reported an instance Augur refuses: \(reason)" }
}
