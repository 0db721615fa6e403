import EdgeLink
import EdgeWire
import Planning

/// Asking the edges for their lists: all at once, under one deadline.
extension ControlLoop {
    /// Lists every edge (see `LoopDecisions.beginReconcile` and `edgesListed`), with the
    /// node's state too: its runtimes, and the images it has (an eviction drops them). The
    /// rows and events it keeps are left for the caller's next actions to store.
    func reconcile() async {
        let round = decisions.beginReconcile()
        let reports = await Self.listEdges(edges, since: round.since, timeout: settings.edgeTimeout, on: clock.clock)
        perform(decisions.edgesListed(reports, in: round, at: clock.time), flush: false)
    }

    /// What arrives while the edges are listed: one edge's answer, or the deadline.
    private enum Arrival: Sendable {
        case report(String, LoopDecisions.EdgeReport)
        case deadline
    }

    /// Every edge's list and node state, asked all at once under one deadline: an edge that
    /// has not answered when `timeout` passes is a failure (`LoopError.edgeTimeout`), its
    /// call cancelled. One timer for the whole round, not one per edge.
    static func listEdges(
        _ edges: [String: any EdgeConnection], since: [String: InstanceCursor], timeout: Duration, on clock: any Clock<Duration>
    ) async -> [String: LoopDecisions.EdgeReport] {
        await withTaskGroup(of: Arrival.self) { group in
            for (name, edge) in edges {
                let cursor = since[name]
                group.addTask {
                    do { return .report(name, .success((try await edge.instances(since: cursor), try await edge.node()))) } catch { return .report(name, .failure(error)) }
                }
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return .deadline
            }
            var collected: [String: LoopDecisions.EdgeReport] = [:]
            while collected.count < edges.count, case .report(let name, let result)? = await group.next() {
                collected[name] = result
            }
            group.cancelAll()
            for name in edges.keys where collected[name] == nil { collected[name] = .failure(LoopError.edgeTimeout(timeout)) }
            return collected
        }
    }
}
