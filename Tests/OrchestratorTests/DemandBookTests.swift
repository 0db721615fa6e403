import Forecast
import Testing
@testable import Orchestrator

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
}
