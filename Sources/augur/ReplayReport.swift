import Foundation
import Workload

/// The replay's results as files and text: the per-round CSV, the figures (total delivery
/// time, edge instances and CPU per round), the summary table, and the verdict on the paper's
/// qualitative result.
struct ReplayReport {
    let scenario: Scenario
    let runs: [(run: Scenario.Run, records: RunRecords)]
    private var records: [(run: Scenario.Run, rounds: [RoundRecord])] { runs.map { ($0.run, $0.records.rounds) } }

    private var roundSeconds: Double { Double(scenario.roundMilliseconds) / 1_000 }
    private var highUsers: Int { scenario.pattern.users.max() ?? 0 }
    var summaries: [RunSummary] { runs.map { RunSummary(run: $0.run.name, records: $0.records, roundSeconds: roundSeconds, highUsers: highUsers) } }

    func write(to directory: URL) throws {
        let csv = ([RoundRecord.header] + records.flatMap { $0.rounds.map(\.csv) }).joined(separator: "\n") + "\n"
        try csv.write(to: directory.appendingPathComponent("rounds.csv"), atomically: true, encoding: .utf8)
        let deploys = ([DeployRecord.header] + runs.flatMap { $0.records.deploys.map(\.csv) }).joined(separator: "\n") + "\n"
        try deploys.write(to: directory.appendingPathComponent("deploys.csv"), atomically: true, encoding: .utf8)
        let training = [(from: 0.0, to: Double(scenario.pattern.users.count), label: "training")]
        // Each run's legend says what really served it: "sarima (real-xen-guest=3;emulated=9)".
        let legend = Dictionary(uniqueKeysWithValues: summaries.map { ($0.run, $0.deployTruth.isEmpty ? $0.run : "\($0.run) (\($0.deployTruth))") })
        func chart(_ title: String, _ yLabel: String, _ value: (RoundRecord) -> Double?) -> String {
            SVGChart(title: title, xLabel: "round", yLabel: yLabel, series: records.map { run, rounds in
                SVGChart.Series(name: legend[run.name] ?? run.name, points: rounds.compactMap { record in value(record).map { (Double(record.round), $0) } })
            }, bands: training).svg
        }
        try chart("Total delivery time per round (mean)", "seconds", \.meanTotal).write(to: directory.appendingPathComponent("delivery.svg"), atomically: true, encoding: .utf8)
        var instances = SVGChart(title: "Edge instances answered when users arrive", xLabel: "round", yLabel: "instances", series: [], bands: training)
        instances.series.append(SVGChart.Series(name: "needed", points: (records.first?.rounds ?? []).map { (Double($0.round), Double(max(0, $0.needed - 1))) }))
        for (run, rounds) in records {
            instances.series.append(SVGChart.Series(name: legend[run.name] ?? run.name, points: rounds.map { (Double($0.round), Double($0.serving - 1)) }))
        }
        try instances.svg.write(to: directory.appendingPathComponent("instances.svg"), atomically: true, encoding: .utf8)
        try chart("Machine CPU per round (core and edges share one host)", "percent", \.machineCPU).write(to: directory.appendingPathComponent("cpu.svg"), atomically: true, encoding: .utf8)
    }

    var summary: String {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        var lines = ["", "run              under-provisioned rounds (high)  over-provisioned inst·s  mean total s  p95 total s  failed/requests  deploys  first pull s  first ready s"]
        for row in summaries {
            lines.append(String(format: "%-16@ %14d (%d)                %18.0f  %12@  %11@  %15@  %7d  %12@  %13@",
                                row.run as NSString, row.underProvisionedRounds, row.underProvisionedHighRounds, row.overProvisionedInstanceSeconds,
                                seconds(row.meanTotal) as NSString, seconds(row.p95Total) as NSString, "\(row.failed)/\(row.requests)" as NSString,
                                row.deploys, seconds(row.meanFirstPullSeconds) as NSString, seconds(row.meanFirstReadySeconds) as NSString))
        }
        lines.append("(first pull/ready: the mean over each edge's deploys whose image crossed its link, request to ready)")
        for row in summaries where !row.deployTruth.isEmpty {
            lines.append("\(row.run): deployed \(row.deployTruth.replacingOccurrences(of: ";", with: ", "))")
        }
        for note in Set(summaries.flatMap(\.timingNotes)).sorted() { lines.append("note: \(note)") }
        lines.append("")
        lines.append("The paper: with SARIMA the system is ready for the surge from the first high round it can forecast; EMA reacts a round or more later and over-provisions while it decays.")
        return lines.joined(separator: "\n")
    }

    /// `paper result reproduced: yes` when a SARIMA run had fewer under-provisioned high rounds
    /// than an EMA run and the EMA run over-provisioned more in the low rounds; else `no` and why.
    var verdict: String {
        let rows = summaries
        guard let sarima = zip(runs, rows).first(where: { $0.0.run.model.hasPrefix("sarima") })?.1,
              let ema = zip(runs, rows).first(where: { $0.0.run.model.hasPrefix("ema") })?.1
        else { return "paper result reproduced: no (the scenario needs one SARIMA run and one EMA run)" }
        var reasons: [String] = []
        if sarima.underProvisionedHighRounds >= ema.underProvisionedHighRounds {
            reasons.append("SARIMA was under-provisioned in \(sarima.underProvisionedHighRounds) high round(s), EMA in \(ema.underProvisionedHighRounds)")
        }
        if ema.overProvisionedLowInstanceSeconds <= sarima.overProvisionedLowInstanceSeconds {
            reasons.append("EMA over-provisioned \(Int(ema.overProvisionedLowInstanceSeconds)) instance·s in the low rounds, SARIMA \(Int(sarima.overProvisionedLowInstanceSeconds))")
        }
        return reasons.isEmpty
            ? "paper result reproduced: yes (under-provisioned high rounds: SARIMA \(sarima.underProvisionedHighRounds), EMA \(ema.underProvisionedHighRounds); low-round surplus: SARIMA \(Int(sarima.overProvisionedLowInstanceSeconds)), EMA \(Int(ema.overProvisionedLowInstanceSeconds)) instance·s)"
            : "paper result reproduced: no (\(reasons.joined(separator: "; ")))"
    }
}
