import AugurModel
import Foundation
import Workload

/// The line a replay ends with. When the scenario pairs SARIMA and EMA runs (same flavor,
/// bandwidth and policy), the paper's verdict judges every pair: `yes` needs SARIMA ahead on
/// under-provisioning and surplus (no worse on either, better on one), and no worse on
/// failures or p95 delivery beyond the spread of the repeats (with one repeat: beyond 5 %).
/// A scenario that compares policies instead (same model, flavor and bandwidth) gets the
/// policy verdict: each reacting policy must have fewer users over capacity than the
/// predictive run, and no more failures beyond the same tolerance. A scenario in which any
/// run lost more than `brokenShare` of its downloads gets no verdict: its figures measure
/// the failure, not provisioning, and the line names the run, the share and the causes. Pure.
public struct ReplayVerdict: Sendable {
    public var runs: [RunSummary]

    /// More than this share of a run's downloads failed: the run is broken.
    public static let brokenShare = 0.02

    public init(runs: [RunSummary]) {
        self.runs = runs
    }

    /// The verdict lines, the paper's last; only the broken runs when there are any.
    public var lines: [String] {
        let broken = brokenRuns
        guard broken.isEmpty else {
            return ["verdict: none, the run is broken: " + broken.joined(separator: "; ")]
        }
        var lines: [String] = []
        if let policy = policyVerdict { lines.append(policy) }
        if let paper = paperVerdict { lines.append(paper) }
        return lines.isEmpty ? ["verdict: none (the runs form no SARIMA/EMA pair and no policy comparison)"] : lines
    }

    /// Each run that lost more than `brokenShare` of its downloads, with its share and causes.
    var brokenRuns: [String] {
        runs.compactMap { run in
            let figures = run.figures
            guard figures.requests > 0, figures.failed > Self.brokenShare * figures.requests else { return nil }
            let causes = (figures.failureCauses ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let named = causes.isEmpty ? "" : " (\(causes.map { "\($0.key) \(Self.format($0.value))" }.joined(separator: ", ")))"
            return "\(run.name): \(Self.format(figures.failed)) of \(Self.format(figures.requests)) downloads failed\(named)"
        }
    }

    private static func family(_ model: String) -> String { model.split(separator: ":").first.map(String.init) ?? model }

    /// Every SARIMA/EMA pair with the same flavor, bandwidth and policy.
    var pairs: [(sarima: RunSummary, ema: RunSummary)] {
        var pairs: [(sarima: RunSummary, ema: RunSummary)] = []
        for sarima in runs where Self.family(sarima.model) == "sarima" {
            for ema in runs where Self.family(ema.model) == "ema" && Self.alike(sarima, ema) && ema.policy == sarima.policy {
                pairs.append((sarima, ema))
            }
        }
        return pairs
    }

    /// Same flavor and bandwidth: the runs differ only in what is compared.
    private static func alike(_ a: RunSummary, _ b: RunSummary) -> Bool {
        a.edgeFlavor == b.edgeFlavor && a.edgeBandwidth == b.edgeBandwidth
    }

    /// One judgement of a pair of runs: its figures, and why the first is not ahead (empty: it is).
    private typealias Judgement = (figures: String, reasons: [String])

    /// `question: yes (figures)` when every pair passed, else `no (reasons; figures)`.
    private static func line(_ question: String, _ judgements: [Judgement]) -> String {
        let detail = judgements.map(\.figures).joined(separator: "; ")
        let reasons = judgements.flatMap(\.reasons)
        return reasons.isEmpty ? "\(question): yes (\(detail))" : "\(question): no (\(reasons.joined(separator: "; ")); \(detail))"
    }

    var paperVerdict: String? {
        let pairs = pairs
        guard !pairs.isEmpty else { return nil }
        return Self.line("paper result reproduced", pairs.map { sarima, ema in
            let label = "\(sarima.name) vs \(ema.name)"
            let (s, e) = (sarima.figures, ema.figures)
            let under = "under-provisioned rounds \(Self.format(s.underProvisionedRounds)) vs \(Self.format(e.underProvisionedRounds))"
            let surplus = "surplus \(Self.format(s.surplusInstanceSeconds)) vs \(Self.format(e.surplusInstanceSeconds)) instance·s"
            let delivery = "failed \(Self.format(s.failed)) vs \(Self.format(e.failed)), p95 \(Self.seconds(s.p95DeliverySeconds)) vs \(Self.seconds(e.p95DeliverySeconds)) s"
            var reasons: [String] = []
            let notWorse = s.underProvisionedRounds <= e.underProvisionedRounds && s.surplusInstanceSeconds <= e.surplusInstanceSeconds
            let better = s.underProvisionedRounds < e.underProvisionedRounds || s.surplusInstanceSeconds < e.surplusInstanceSeconds
            if !(notWorse && better) { reasons.append("\(label): SARIMA is not ahead on under-provisioning and surplus") }
            if let worse = Self.worse(sarima, than: ema, on: \.failed, named: "failures") { reasons.append("\(label): \(worse)") }
            if let worse = Self.worse(sarima, than: ema, on: \.p95DeliverySeconds, named: "p95 delivery") { reasons.append("\(label): \(worse)") }
            return ("\(label): \(under), \(surplus), \(delivery)", reasons)
        })
    }

    /// Each reacting policy's run against the predictive run of the same model, flavor and bandwidth.
    var policyVerdict: String? {
        var comparisons: [(RunSummary, RunSummary)] = []
        for reacting in runs where reacting.policy.reacts {
            if let predictive = runs.first(where: { $0.policy == .predictive && $0.model == reacting.model && Self.alike($0, reacting) }) {
                comparisons.append((reacting, predictive))
            }
        }
        guard !comparisons.isEmpty else { return nil }
        return Self.line("reacting ahead of predictive", comparisons.map { reacting, predictive in
            let label = "\(reacting.name) vs \(predictive.name)"
            let (r, p) = (reacting.figures, predictive.figures)
            let over = "users over capacity \(Self.format(r.usersOverCapacity)) vs \(Self.format(p.usersOverCapacity))"
            let rest = "failed \(Self.format(r.failed)) vs \(Self.format(p.failed)), surplus \(Self.format(r.surplusInstanceSeconds)) vs \(Self.format(p.surplusInstanceSeconds)) instance·s"
            var reasons: [String] = []
            if r.usersOverCapacity >= p.usersOverCapacity { reasons.append("\(label): \(reacting.policy.rawValue) does not have fewer users over capacity") }
            if let worse = Self.worse(reacting, than: predictive, on: \.failed, named: "failures") { reasons.append("\(label): \(worse)") }
            return ("\(label): \(over), \(rest)", reasons)
        })
    }

    /// Why `run` is worse than `peer` on a figure beyond the tolerance, or nil: the larger
    /// spread of their repeats, or 5 % of the peer's value when neither repeated.
    static func worse(_ run: RunSummary, than peer: RunSummary, on value: (RunFigures) -> Double?, named name: String) -> String? {
        guard let mine = value(run.figures), let theirs = value(peer.figures) else { return nil }
        let tolerance = run.repeats > 1 || peer.repeats > 1 ? max(run.spread(value), peer.spread(value)) : 0.05 * theirs
        guard mine > theirs + tolerance else { return nil }
        return "worse on \(name) (\(format(mine)) against \(format(theirs)), beyond \(format(tolerance)))"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    static func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
}
