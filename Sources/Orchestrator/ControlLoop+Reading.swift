import AugurModel
import EdgeWire
import Planning

/// What the API and the dashboard read of the loop.
extension ControlLoop {
    /// The fleet as the API shows it.
    public func members() -> [Fleet.Member] { decisions.fleet.live }

    public func unreachableEdges() -> Set<String> { decisions.fleet.unreachable }

    public func latestInterval() -> IntervalRecord? { decisions.latest }

    public func intervalsClosed() -> Int { decisions.progress.intervals }

    public func edgeNames() -> [String] { Array(edges.keys) }

    /// The topology's regions (where clients are, and the edges near them).
    public nonisolated var regions: [Region] { configuration.topology.regions }

    /// Per region, per content: what serves it now (see `LoopDecisions.regionalCapacity`).
    public func regionalCapacity() -> [String: [String: ReadyCapacity]] { decisions.regionalCapacity() }

    /// What the dashboard's overview reads of the loop, in one hop.
    public struct OverviewState: Sendable {
        public var contents: [ContentView]
        /// The fleet's live members (not gone or failed).
        public var members: [Fleet.Member]
        public var unreachable: Set<String>
        public var reports: [String: NodeState]
        public var nodes: [Node]
        public var latest: IntervalRecord?
        public var intervalsClosed: Int
        /// Deploys asked for and not yet created, per content.
        public var requested: [String: Int]
        public var ready: [String: ReadyCapacity]
    }

    public func overviewState() -> OverviewState {
        let fleet = decisions.fleet
        return OverviewState(
            contents: contents(), members: fleet.live, unreachable: fleet.unreachable, reports: fleet.nodes, nodes: configuration.topology.nodes,
            latest: decisions.latest, intervalsClosed: decisions.progress.intervals,
            requested: Dictionary(grouping: decisions.requested.values, by: \.content).mapValues(\.count),
            ready: Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, decisions.readyCapacity($0.name)) }))
    }
}
