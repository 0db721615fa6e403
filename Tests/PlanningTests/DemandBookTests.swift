import Forecast
@testable import Planning
import Testing

@Suite struct DemandBookTests {
    @Test func modelChoicesParseAndBadOnesSayWhy() throws {
        #expect(try ModelChoice(parsing: "ema:3") == .ema(span: 3))
        #expect(try ModelChoice(parsing: ModelChoice.paperText) == .sarima(try SARIMAOrder(p: 0, d: 1, q: 0, seasonalP: 0, seasonalD: 1, seasonalQ: 0, period: 10)))
        #expect(try ModelChoice(parsing: "auto:10").trainingNeeded == 22)
        #expect(try ModelChoice(parsing: "sarima-search:4") == .searchedSARIMA(period: 4))
        #expect(throws: ModelChoiceError.self) { try ModelChoice(parsing: "ema:0") }
        #expect(throws: ModelChoiceError.self) { try ModelChoice(parsing: "sarima:0,1,0") }
        #expect(throws: ModelChoiceError.self) { try ModelChoice(parsing: "sarima:0,0,0,0,1,0,1") }
        #expect(throws: ModelChoiceError.self) { try ModelChoice(parsing: "arima") }
        #expect((try? ModelChoice(parsing: "holt")) == nil)
        let daily = try ModelChoice(parsing: "mstl:20160,2880")
        #expect(daily == .mstl(periods: [2880, 20160]) && daily.description == "mstl:2880,20160")
        #expect(daily.countsKept == 3 * 20160 && daily.trainingNeeded == 1 && !daily.searches)
        #expect(throws: ModelChoiceError.self) { try ModelChoice(parsing: "mstl:1,48") }
    }

    /// MSTL in the book: EMA until its shortest period has two cycles, then the periods it
    /// can fit, each decomposition as deferred work; the record says which.
    @Test func mstlStartsWithEMAAndAddsPeriodsAsTheirCyclesArrive() throws {
        let counts = (0..<120).map { 50 + ($0 % 6) * 10 + ($0 % 24 < 12 ? 30 : 0) }
        var book = DemandBook(choices: ["video5": .mstl(periods: [6, 24])], defersWork: true)
        for count in counts.prefix(5) { book.observe(["video5": count]) }
        #expect(book.entries["video5"]?.modelInUse == "MSTL(6,24), as configured; now EMA(n=3) until MSTL(6) has 13 counts")
        #expect(book.work().isEmpty)
        for count in counts[5..<13] { book.observe(["video5": count]) }
        let first = book.work()
        #expect(first.count == 1)
        for item in first { book.apply(item.perform()) }
        let young = try #require(book.entries["video5"]?.modelInUse)
        #expect(young.contains("now MSTL(6) + ETS(") && young.hasSuffix("; 24 wait for two cycles"), "\(young)")
        for count in counts[13..<49] {
            book.observe(["video5": count])
            for item in book.work() { book.apply(item.perform()) }
        }
        let inUse = try #require(book.entries["video5"]?.modelInUse)
        #expect(inUse.contains("now MSTL(6,24) + ETS(") && !inUse.contains("wait"), "\(inUse)")
        // The next value (index 49) is phase 1 of the short cycle in a high half-day: 90.
        let next = try #require(book.forecasts(horizon: 1).first?.steps.first?.mean)
        #expect(abs(next - Double(counts[49])) < 5, "\(next)")
    }

    /// The paper's pattern: 8 rounds of 100 users, 2 of 20, period 10.
    static let pattern = (0..<40).map { $0 % 10 < 8 ? 100 : 20 }

    @Test func seasonalSARIMAForecastsTheSurgeAfterOneSeasonAndEMALags() throws {
        var book = DemandBook(choices: ["video5": try ModelChoice(parsing: "sarima:0,0,0,0,1,0,10"), "video1": .ema(span: 3)])
        for count in Self.pattern.prefix(10) { book.observe(["video5": count, "video1": count]) }
        let forecasts = Dictionary(uniqueKeysWithValues: book.forecasts(horizon: 2).map { ($0.content, $0.steps.map(\.mean)) })
        // The next interval (index 10) starts a high phase: the seasonal model knows, EMA does not.
        #expect(abs((forecasts["video5"]?[0] ?? 0) - 100) < 1e-6)
        #expect((forecasts["video1"]?[0] ?? 100) < 60)
    }

    @Test func autoSettlesOnTheBestBacktestedModelAndSaysWhy() throws {
        var book = DemandBook(choices: ["video5": .auto(period: 10)])
        for count in Self.pattern.prefix(21) { book.observe(["video5": count]) }
        #expect(book.entries["video5"]?.predictor == nil, "not enough seasons yet")
        #expect(book.forecasts(horizon: 1).isEmpty)
        book.observe(["video5": Self.pattern[21]])
        let entry = try #require(book.entries["video5"])
        #expect(entry.predictor != nil)
        #expect(entry.model?.contains("SARIMA") == true, "a periodic series is best forecast seasonally: \(entry.model ?? "")")
        let next = try #require(book.forecasts(horizon: 1).first?.steps.first?.mean)
        #expect(abs(next - Double(Self.pattern[22])) < 5)
    }

    /// Deferred, the book runs nothing expensive in `observe`: the search waits as work, and
    /// once performed (anywhere) and applied, the same model results as inline, fitted on
    /// the counts as they are when it is applied.
    @Test func deferredWorkWaitsForTheCallerAndEndsWhereInlineWould() throws {
        var inline = DemandBook(choices: ["video5": .auto(period: 10)])
        var deferred = DemandBook(choices: ["video5": .auto(period: 10)], defersWork: true)
        for count in Self.pattern.prefix(22) {
            inline.observe(["video5": count])
            deferred.observe(["video5": count])
        }
        #expect(deferred.entries["video5"]?.predictor == nil, "observe did not search")
        let work = deferred.work()
        guard case .settle(let content, _, let series)? = work.first, work.count == 1 else {
            Issue.record("one settle is due: \(work)")
            return
        }
        #expect(content == "video5" && series.count == 22)
        deferred.apply(work[0].perform())
        #expect(deferred.entries["video5"]?.model == inline.entries["video5"]?.model)
        // A model with ARMA terms then wants its first fit, also as work.
        for item in deferred.work() { deferred.apply(item.perform()) }
        #expect(deferred.work().isEmpty)
        let a = try #require(inline.forecasts(horizon: 1).first?.steps.first?.mean)
        let b = try #require(deferred.forecasts(horizon: 1).first?.steps.first?.mean)
        #expect(abs(a - b) < 1e-6, "\(a) vs \(b)")
        // A result that no longer applies (the choice changed meanwhile) is dropped.
        var changed = DemandBook(choices: ["video5": .auto(period: 10)], defersWork: true)
        for count in Self.pattern.prefix(22) { changed.observe(["video5": count]) }
        let stale = try #require(changed.work().first)
        changed.choose(.ema(span: 2), for: "video5", history: [1, 2, 3])
        changed.apply(stale.perform())
        #expect(changed.entries["video5"]?.choice == .ema(span: 2) && changed.entries["video5"]?.model?.contains("EMA") == true)
    }
}
