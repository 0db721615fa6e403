/// Where a group of clients is and which edges are near them (a CDN's coverage zone): DNS
/// answers a client of the region from these edges, nearest first, then from the core.
public struct Region: Sendable, Hashable {
    public var name: String
    /// The client networks of the region, IPv4 and IPv6. Over every region, the longest
    /// prefix holding a client's address says where it is.
    public var clients: [IPPrefix]
    /// Edge names, nearest first. An edge may be near several regions.
    public var edges: [String]

    public init(name: String, clients: [IPPrefix], edges: [String]) {
        self.name = name
        self.clients = clients
        self.edges = edges
    }
}
