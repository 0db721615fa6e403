/// How a real Xen edge's guests join the network: the dom0 bridge their vifs are put on, and
/// the on-link subnet and router they are told about on their kernel command line (a guest
/// does not learn its address from the toolstack: `vif ip=` only feeds dom0's hotplug scripts).
public struct XenGuestNetwork: Sendable, Hashable {
    public var bridge: String
    /// The router on the guests' subnet; nil where guests need no route beyond their subnet.
    public var gateway: IPAddress?
    /// The prefix length of the subnet the guests' addresses are configured with.
    public var prefixLength: Int

    public init(bridge: String = "xenbr0", gateway: IPAddress? = nil, prefixLength: Int) {
        self.bridge = bridge
        self.gateway = gateway
        self.prefixLength = prefixLength
    }

    /// The subnet the guests are on-link in, e.g. `10.220.0.1/24` for the gateway 10.220.0.1.
    public var subnet: IPPrefix? {
        guard let gateway else { return nil }
        return IPPrefix(containing: gateway, prefixLength: prefixLength)
    }
}
