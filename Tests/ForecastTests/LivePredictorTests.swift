import Foundation
import Testing
@testable import Forecast

@Suite struct LivePredictorTests {
    /// The paper's pattern with a little deterministic noise, as real counts would have.
    static let counts: [Double] = paperPattern.enumerated().map { $0.element + Double(($0.offset * 7) % 5) }

    @Test func emaLiveEqualsBatch() throws {
        var live = try LivePredictor(method: .ema(span: 3))
        var batch = try EMA(span: 3)
        for count in Self.counts {
            try live.observe(count)
            batch.update(count)
        }
        #expect(live.forecast(horizon: 1).first?.mean == batch.level)
    }

    @Test func sarimaIsReadyForTheSurgeAfterOneTrainingCycle() throws {
        let order = try SARIMAOrder(p: 0, d: 1, q: 0, seasonalD: 1, period: 10)
        var live = try LivePredictor(method: .sarima(order), refitEvery: 10)
        // Two cycles and the two low rounds of the third: the next round is a surge.
        for count in Self.counts.prefix(20) { try live.observe(count) }
        let surge = try #require(live.forecast(horizon: 1).first)
        #expect(surge.mean > 90, "the forecast for the first high round is \(surge.mean)")
        #expect(live.refits >= 1)
        #expect(live.lastRefitReason != nil)
        // After eight high rounds, the drop is forecast too.
        for count in Self.counts[20..<28] { try live.observe(count) }
        #expect((live.forecast(horizon: 1).first?.mean ?? 100) < 40)
    }

    /// A deferred fit leaves the predictor as it was until its job is installed; the
    /// installed model is the job's fit, filtered over every count so far (those that came
    /// while it was fitted too).
    @Test func aDeferredRefitWaitsForItsJobAndIsFilteredOverEveryCount() throws {
        let order = try SARIMAOrder(p: 1, d: 0, q: 0, seasonalP: 0, seasonalD: 1, seasonalQ: 1, period: 10)
        // Noise that does not repeat with the season, so the seasonal differences vary.
        let counts = Self.counts.enumerated().map { $0.element + Double(($0.offset * $0.offset * 7) % 13) }
        var deferred = try LivePredictor(method: .sarima(order), refitEvery: 100, defersRefits: true)
        for count in counts.prefix(30) { try deferred.observe(count) }
        #expect(deferred.refits == 0 && deferred.refitDue == "first fit")
        #expect(deferred.forecast(horizon: 1).first?.mean == counts[29], "no model yet: the last count")
        let job = try #require(deferred.refitJob())
        #expect(job.history == Array(counts.prefix(30)))
        guard case .sarima(let fitted)? = job.run() else {
            Issue.record("the job fits a SARIMA model")
            return
        }
        #expect(fitted.converged)
        // Two counts arrive while the job runs.
        for count in counts[30..<32] { try deferred.observe(count) }
        deferred.install(.sarima(fitted), for: job)
        #expect(deferred.refits == 1 && deferred.refitDue == nil && deferred.refitJob() == nil)
        var expected = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: fitted.parameters))
        for count in counts.prefix(32) { expected.update(count) }
        let a = try #require(expected.forecast(horizon: 1).first?.mean)
        let b = try #require(deferred.forecast(horizon: 1).first?.mean)
        #expect(abs(a - b) < 1e-9, "\(a) vs \(b)")
    }

    @Test func savedStateRestoresAndContinuesIdentically() throws {
        let order = try SARIMAOrder(p: 1, d: 0, q: 0, seasonalP: 0, seasonalD: 1, seasonalQ: 1, period: 10)
        var original = try LivePredictor(method: .sarima(order), refitEvery: 50)
        for count in Self.counts.prefix(30) { try original.observe(count) }
        // As the state store saves: a deterministic fit's log-likelihood is +∞.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let saved = try encoder.encode(original)
        var restored = try decoder.decode(LivePredictor.self, from: saved)
        for count in Self.counts.suffix(10) {
            try original.observe(count)
            try restored.observe(count)
        }
        #expect(original.forecast(horizon: 5) == restored.forecast(horizon: 5))
        #expect(saved.count < 20_000, "no scratch buffers in the saved state")
    }

    /// A deferred decomposition that finishes late takes the counts that came meanwhile as
    /// updates: it ends where the inline one, decomposed at the same moment, does.
    @Test func aLateMSTLDecompositionCatchesUpWithTheCountsThatCameMeanwhile() throws {
        let counts: [Double] = (0..<60).map { (t: Int) -> Double in Double(40 + (t % 6) * 5 + (t * 7) % 3) }
        var inline = try LivePredictor(method: .mstl(periods: [6]), memory: 20)
        var deferred = try LivePredictor(method: .mstl(periods: [6]), memory: 20, defersRefits: true)
        for count in counts.prefix(30) {
            try inline.observe(count)
            try deferred.observe(count)
        }
        #expect(inline.modelInUse?.hasPrefix("MSTL(6) + ETS(") == true)
        #expect(deferred.modelInUse == "EMA(n=3) until MSTL(6) has 13 counts")
        let job = try #require(deferred.refitJob())
        // Three counts arrive while the job runs. The history is full (20 counts), so its
        // length cannot tell how many the fit missed; the number of counts taken does.
        for count in counts[30..<33] { try deferred.observe(count) }
        deferred.install(job.run(), for: job)
        guard case .mstl(var caughtUp)? = job.run() else {
            Issue.record("an MSTL job decomposes")
            return
        }
        for count in counts[30..<33] { caughtUp.update(count) }
        let expected = caughtUp.forecast(horizon: 6).map(\.mean)
        let got = deferred.forecast(horizon: 6).map(\.mean)
        for (a, b) in zip(expected, got) { #expect(abs(a - b) < 1e-9, "\(a) vs \(b)") }
        #expect(deferred.refits == 1 && deferred.refitDue == nil)
    }

    @Test func badCountsAreRefusedWithTheirIndex() throws {
        var live = try LivePredictor(method: .ema(span: 3))
        try live.observe(5)
        #expect(throws: ForecastError.negativeCount(index: 1, value: -1)) { try live.observe(-1) }
        #expect(throws: ForecastError.notFinite(index: 1)) { try live.observe(.infinity) }
        #expect(live.history == [5])
    }
}
