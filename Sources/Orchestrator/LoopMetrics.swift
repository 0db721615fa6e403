import Metrics
import Planning

/// What the loop exports for Prometheus: instances per edge and phase, lookups and forecast
/// per content, lookups, forecast and answered capacity per content and region, edge reachability, action outcomes and the
/// tick's own cost. Made from an injected factory, so `augur serve` exports them and tests
/// can read them.
struct LoopMetrics: Sendable {
    let factory: any MetricsFactory

    func instances(edge: String, phase: String, count: Int) {
        Gauge(label: "augur_instances", dimensions: [("edge", edge), ("phase", phase)], factory: factory).record(count)
    }

    func lookups(content: String, count: Int) {
        Gauge(label: "augur_lookups", dimensions: [("content", content)], factory: factory).record(count)
    }

    func lookups(content: String, region: String, count: Int) {
        Gauge(label: "augur_region_lookups", dimensions: [("content", content), ("region", region)], factory: factory).record(count)
    }

    func regionForecast(content: String, region: String, mean: Double) {
        Gauge(label: "augur_region_forecast_lookups", dimensions: [("content", content), ("region", region)], factory: factory).record(mean)
    }

    func regionCapacity(content: String, region: String, instances: Int, lookups: Int) {
        Gauge(label: "augur_region_instances", dimensions: [("content", content), ("region", region)], factory: factory).record(instances)
        Gauge(label: "augur_region_capacity_lookups", dimensions: [("content", content), ("region", region)], factory: factory).record(lookups)
    }

    func forecast(content: String, mean: Double) {
        Gauge(label: "augur_forecast_lookups", dimensions: [("content", content)], factory: factory).record(mean)
    }

    func edgeReachable(_ edge: String, _ reachable: Bool) {
        Gauge(label: "augur_edge_reachable", dimensions: [("edge", edge)], factory: factory).record(reachable ? 1 : 0)
    }

    func action(kind: ActionRecord.Kind, outcome: ActionRecord.Outcome) {
        Counter(label: "augur_actions_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory).increment()
    }

    func refusedReport(edge: String) {
        Counter(label: "augur_refused_reports_total", dimensions: [("edge", edge)], factory: factory).increment()
    }

    func tick(milliseconds: Double) {
        Gauge(label: "augur_tick_milliseconds", factory: factory).record(milliseconds)
    }
}
