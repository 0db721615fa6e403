import EdgeOperator
import Foundation
import Workload

extension Scenario {
    /// One line saying what the replay runs.
    public var headline: String {
        let repeats = repeats > 1 ? ", each \(repeats) times" : ""
        return "\(title): \(runs.count) run(s)\(repeats) of \(rounds) rounds of \(Double(roundMilliseconds) / 1_000) s (the first \(trainingRounds) train, users arrive \(arrival.rawValue))"
    }
}

extension ReplayReport {
    /// `report.html`: the whole run in one self-contained file (no script, nothing fetched):
    /// the scenario, the summary table, every figure inline, the verdict, and every edge
    /// instance with what really ran it (emulated ones marked). `figures`: this report's, as
    /// `write` made their files.
    func page(figures: [(file: String, svg: String)]) -> String {
        func text(_ value: String) -> String { SVGChart.escape(value).replacingOccurrences(of: "\"", with: "&quot;") }
        func row(_ cells: [String], header: Bool = false, numericFrom: Int = 0) -> String {
            let tag = header ? "th" : "td"
            return "<tr>" + cells.enumerated().map { index, cell in
                "<\(tag)\(index >= numericFrom && numericFrom > 0 ? " class=\"n\"" : "")>\(text(cell))</\(tag)>"
            }.joined() + "</tr>\n"
        }
        let cycle = scenario.pattern.cycle ? "a cycle of \(scenario.pattern.users.count) rounds, repeated" : "every round listed"
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(text(scenario.title)) — Augur replay</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; }
            h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
            table { border-collapse: collapse; } th, td { border-bottom: 1px solid #d0d5dd; padding: .25rem .5rem; text-align: left; white-space: nowrap; }
            th { color: #667085; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
            .figures svg { max-width: 100%; height: auto; border: 1px solid #eaecf0; margin: .5rem 0; }
            .verdict { font-weight: 600; } .emulated { background: #fffaeb; } .muted { color: #667085; }
            </style></head>
            <body data-report="\(text(name))">
            <h1>\(text(scenario.title))</h1>
            <p class="headline">\(text(scenario.headline))</p>

            """
        out += "<h2>Scenario</h2>\n<table class=\"scenario\">\n"
        out += row(["content", scenario.pattern.content])
        out += row(["users per round", "\(scenario.pattern.users.map(String.init).joined(separator: ", ")) (\(cycle))"])
        out += row(["rounds", "\(scenario.rounds) of \(Double(scenario.roundMilliseconds) / 1_000) s, the first \(scenario.trainingRounds) training"])
        out += row(["arrival", scenario.arrival.rawValue])
        out += row(["repeats", "\(scenario.repeats)"])
        out += "</table>\n<table class=\"runs\">\n" + row(["run", "model", "policy", "edge flavor", "edge links"], header: true)
        for run in scenario.runs {
            out += row([run.name, run.model, run.policy.rawValue, run.edgeFlavor, run.edgeBandwidth ?? "as the topology"])
        }
        out += "</table>\n"
        let (header, rows) = summaryTable
        out += "<h2>Summary</h2>\n<table id=\"summary\">\n" + row(header, header: true, numericFrom: 2)
        for cells in rows { out += row(cells, numericFrom: 2) }
        out += "</table>\n"
        if scenario.repeats > 1 { out += "<p class=\"muted\">Means over \(scenario.repeats) repeats; each repeat's figures are in summary.json.</p>\n" }
        out += "<p class=\"muted\">First pull/ready: the mean over each edge's deploys whose image crossed its link, request to ready.</p>\n"
        out += "<h2>Verdict</h2>\n<ul id=\"verdict\">\n" + verdict.lines.map { "<li class=\"verdict\">\(text($0))</li>\n" }.joined() + "</ul>\n"
        out += "<p class=\"muted\">\(text(Self.paperReading))</p>\n"
        out += "<h2>Figures</h2>\n<div class=\"figures\">\n"
        for (file, svg) in figures { out += "<figure data-figure=\"\(text(file))\">\n\(svg)</figure>\n" }
        out += "</div>\n"
        let deploys = runs.flatMap { $0.repeats.flatMap(\.deploys) }
        let emulated = deploys.filter { $0.truth == .emulated }.count
        out += "<h2>Edge instances</h2>\n<p id=\"truth\">\(deploys.count) deployed, \(emulated) emulated"
        out += deployedTruth.map { "; \(text($0.run)): \(text($0.truth.replacingOccurrences(of: ";", with: ", ")))" }.joined() + "</p>\n"
        for note in timingNotes { out += "<p class=\"muted\">note: \(text(note))</p>\n" }
        out += "<table id=\"instances\">\n" + row(["run", "repeat", "edge", "instance", "flavor", "ran as", "image pulled", "pull s", "ready s"], header: true, numericFrom: 7)
        for deploy in deploys {
            let cells = [
                deploy.run, "\(deploy.repetition)", deploy.edge, deploy.instance, deploy.flavor, deploy.truth.phrase, deploy.pulled ? "yes" : "no",
                deploy.pullSeconds.map { String(format: "%.3f", $0) } ?? "-", String(format: "%.3f", deploy.readySeconds),
            ]
            out += row(cells, numericFrom: 7).replacingOccurrences(of: "<tr>", with: "<tr class=\"\(deploy.truth.rawValue)\">")
        }
        return out + "</table>\n</body></html>\n"
    }
}
