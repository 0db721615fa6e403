import EdgeOperator
import EdgeWire
import Foundation
import Workload

/// The replay's results as files and text: the per-round and per-deploy CSV (every repeat),
/// the figures (total delivery time, edge instances and CPU per round, from each run's first
/// repeat), `summary.json`, the summary table, the verdict, and `report.html` with all of them.
public struct ReplayReport: Sendable {
    public let scenario: Scenario
    public let name: String
    /// Each run with the records of its repeats, in order.
    public let runs: [(run: Scenario.Run, repeats: [RunRecords])]

    public init(scenario: Scenario, name: String, runs: [(run: Scenario.Run, repeats: [RunRecords])]) {
        self.scenario = scenario
        self.name = name
        self.runs = runs
    }

    private var roundSeconds: Double { Double(scenario.roundMilliseconds) / 1_000 }

    public var summaries: [RunSummary] {
        runs.map { run, repeats in RunSummary(run: run, perRepeat: repeats.map { RunFigures($0, roundSeconds: roundSeconds) }) }
    }

    public var verdict: ReplayVerdict { ReplayVerdict(runs: summaries) }

    public func write(to directory: URL) throws {
        let csv = ([RoundRecord.header] + runs.flatMap { $0.repeats.flatMap { $0.rounds.map(\.csv) } }).joined(separator: "\n") + "\n"
        try csv.write(to: directory.appendingPathComponent("rounds.csv"), atomically: true, encoding: .utf8)
        let deploys = ([DeployRecord.header] + runs.flatMap { $0.repeats.flatMap { $0.deploys.map(\.csv) } }).joined(separator: "\n") + "\n"
        try deploys.write(to: directory.appendingPathComponent("deploys.csv"), atomically: true, encoding: .utf8)
        let siteRows = runs.flatMap { $0.repeats.flatMap { $0.rounds.flatMap(\.siteCSV) } }
        if !siteRows.isEmpty {
            try (([RoundRecord.siteHeader] + siteRows).joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("sites.csv"), atomically: true, encoding: .utf8)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(ReplaySummaryFile(scenario: name, runs: summaries)).write(to: directory.appendingPathComponent("summary.json"))
        let figures = figures
        for (file, svg) in figures { try svg.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        try page(figures: figures).write(to: directory.appendingPathComponent(Self.pageFile), atomically: true, encoding: .utf8)
    }

    /// The one file that shows the whole run (`page(figures:)`).
    public static let pageFile = "report.html"

    /// The figures as SVG, by file name, from each run's first repeat.
    public var figures: [(file: String, svg: String)] {
        let first = runs.map { (run: $0.run, rounds: $0.repeats.first?.rounds ?? []) }
        let training = [(from: 0.0, to: Double(scenario.trainingRounds), label: "training")]
        // Each run's legend says what really served it: "sarima (real-xen-guest=3;emulated=9)".
        let legend = Dictionary(uniqueKeysWithValues: runs.map { run, repeats in
            let truth = InstanceTruth.tally(repeats.first?.deploys.map(\.truth) ?? [])
            return (run.name, truth.isEmpty ? run.name : "\(run.name) (\(truth))")
        })
        func chart(_ title: String, _ yLabel: String, _ value: (RoundRecord) -> Double?) -> String {
            SVGChart(title: title, xLabel: "round", yLabel: yLabel, series: first.map { run, rounds in
                SVGChart.Series(name: legend[run.name] ?? run.name, points: rounds.compactMap { record in value(record).map { (Double(record.round), $0) } })
            }, bands: training).svg
        }
        var instances = SVGChart(title: "Edge instances answered when users arrive", xLabel: "round", yLabel: "instances", series: [], bands: training)
        instances.series.append(SVGChart.Series(name: "needed", points: (first.first?.rounds ?? []).map { (Double($0.round), Double(max(0, $0.needed - 1))) }))
        for (run, rounds) in first {
            instances.series.append(SVGChart.Series(name: legend[run.name] ?? run.name, points: rounds.map { (Double($0.round), Double($0.serving - 1)) }))
        }
        return [
            ("delivery.svg", chart("Total delivery time per round (mean)", "seconds", \.meanTotal)),
            ("instances.svg", instances.svg),
            ("over-capacity.svg", chart("Users who resolved beyond ready capacity, per round", "users", { Double($0.usersOverCapacity) })),
            ("cpu.svg", chart("Machine CPU per round (core and edges share one host)", "percent", \.machineCPU)),
        ]
    }

    /// The summary table's heading and rows (means over repeats), as text and the page show it.
    var summaryTable: (header: [String], rows: [[String]]) {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        let header = ["run", "policy", "over-capacity users", "under-provisioned rounds", "surplus inst·s", "mean total s", "p95 total s", "failed/requests", "first pull s", "first ready s"]
        var rows: [[String]] = []
        for (summary, (_, repeats)) in zip(summaries, runs) {
            let figures = summary.figures
            let firsts = repeats.flatMap(\.deploys).filter(\.pulled)
            rows.append([
                summary.name, summary.policy.rawValue, ReplayVerdict.format(figures.usersOverCapacity), ReplayVerdict.format(figures.underProvisionedRounds),
                String(format: "%.0f", figures.surplusInstanceSeconds), seconds(figures.meanDeliverySeconds), seconds(figures.p95DeliverySeconds),
                "\(ReplayVerdict.format(figures.failed))/\(ReplayVerdict.format(figures.requests))",
                seconds(mean(firsts.compactMap(\.pullSeconds))), seconds(mean(firsts.map(\.readySeconds))),
            ])
        }
        return (header, rows)
    }

    /// Per run and client site: users, those over capacity, mean delivery and locality.
    var siteLines: [String] {
        zip(summaries, runs).flatMap { summary, run in
            (summary.figures.sites ?? [:]).sorted { $0.key < $1.key }.map { site, figures in
                let delivery = figures.meanDeliverySeconds.map { String(format: "%.3f s", $0) } ?? "-"
                let locality = figures.locality.map { String(format: "%.1f %%", $0 * 100) } ?? "-"
                return "\(summary.name) · site \(site)\(run.run.regions ? "" : " (regions off)"): \(ReplayVerdict.format(figures.users)) users, \(ReplayVerdict.format(figures.usersOverCapacity)) over capacity, mean delivery \(delivery), locality \(locality), failed \(ReplayVerdict.format(figures.failed))"
            }
        }
    }

    /// What deployed each run's edge instances (`real-container=2;emulated=9`), by run name; runs that deployed none are left out.
    var deployedTruth: [(run: String, truth: String)] {
        runs.compactMap { run, repeats in
            let truth = InstanceTruth.tally(repeats.flatMap(\.deploys).map(\.truth))
            return truth.isEmpty ? nil : (run.name, truth)
        }
    }

    /// Why some instances' times are only functional (a nested Xen host).
    var timingNotes: [String] {
        Set(runs.flatMap { $0.repeats.flatMap(\.deploys).compactMap(\.timingNote) }).sorted()
    }

    static let paperReading = "The paper: with SARIMA the system is ready for the surge from the first high round it can forecast; EMA reacts a round or more later and over-provisions while it decays."

    /// The summary table (means over repeats) and what served the runs.
    public var summary: String {
        let (header, rows) = summaryTable
        // Names left-aligned, figures right-aligned under their headings.
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var lines = ["", line(header)] + rows.map(line)
        lines += siteLines
        if scenario.repeats > 1 { lines.append("(means over \(scenario.repeats) repeats; each repeat's figures are in summary.json)") }
        lines.append("(first pull/ready: the mean over each edge's deploys whose image crossed its link, request to ready)")
        for (run, truth) in deployedTruth { lines.append("\(run): deployed \(truth.replacingOccurrences(of: ";", with: ", "))") }
        for note in timingNotes { lines.append("note: \(note)") }
        lines.append("")
        lines.append(Self.paperReading)
        return lines.joined(separator: "\n")
    }
}
