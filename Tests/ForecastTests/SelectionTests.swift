import Foundation
import Testing
@testable import Forecast

/// The paper's user pattern as the DNS balancer counts it: 8 rounds of 100 users, then 2 of 20.
let paperPattern: [Double] = Array(repeating: Array(repeating: 100.0, count: 8) + [20, 20], count: 4).flatMap { $0 }

@Suite struct SelectionTests {
    @Test func rmseValidationChoosesThePapersModelOnItsPattern() throws {
        let result = try OrderSelection.stepwise(paperPattern, d: 1, seasonalD: 1, period: 10, criterion: .rmse)
        #expect(result.best.order == (try SARIMAOrder(p: 0, d: 1, q: 0, seasonalD: 1, period: 10)))
        #expect(result.best.score < 1e-9)
        #expect(result.tried.count >= 4, "the four starting models at least")
        #expect(result.failed.isEmpty, "an exactly periodic series gets a deterministic fit whatever its ARMA terms")
        #expect(result.tried.allSatisfy { $0.score < 1e-9 }, "and every one of them forecasts it exactly")
    }

    @Test func aicSearchOnAirPassengersBeatsOrMatchesTheAirlineModel() throws {
        let fixture = try #require(StatsmodelsFixture.all.first { $0.series == "air-passengers-log" && $0.order == [0, 1, 1] })
        let result = try OrderSelection.stepwise(fixture.data, d: 1, seasonalD: 1, period: 12, criterion: .aic)
        let airline = try SARIMAModel.fit(fixture.data, order: fixture.sarimaOrder())
        #expect(result.best.score <= airline.aicc + 1e-6)
    }

    @Test func backtestScoresAndMASE() throws {
        let exact = try Backtest.evaluate(.seasonalNaive(period: 10), series: paperPattern, horizon: 10, origins: [20, 30], seasonalPeriod: 10)
        #expect(exact.rmse == 0)
        #expect(exact.mase == nil, "a periodic series has no seasonal-naive error to scale by")
        #expect(exact.forecasts == 20)

        let ema = try Backtest.evaluate(.ema(span: 3), series: paperPattern, horizon: 1, origins: Array(20..<40), seasonalPeriod: 10)
        // EMA lags the switch between 100 and 20 users: it must do worse than the seasonal model.
        #expect(ema.rmse > 10)
        #expect(ema.mase == nil)
    }

    @Test func holtWintersFollowsTrendAndSeason() throws {
        let series = (0..<72).map { t in 10 + 0.5 * Double(t) + 3 * sin(2 * Double.pi * Double(t) / 12) }
        let model = try HoltWinters.fit(series, period: 12)
        let truth = (72..<84).map { t in 10 + 0.5 * Double(t) + 3 * sin(2 * Double.pi * Double(t) / 12) }
        for (forecast, actual) in zip(model.forecast(horizon: 12), truth) {
            #expect(abs(forecast - actual) < 0.5)
        }
        #expect(throws: ForecastError.tooShort(count: 20, needed: 24, model: "Holt-Winters (m=12)")) { try HoltWinters.fit(Array(series.prefix(20)), period: 12) }
    }

    @Test func seasonalNaiveRepeatsTheLastSeason() throws {
        #expect(try SeasonalNaive(period: 3).forecast([1, 2, 3, 4, 5, 6], horizon: 5) == [4, 5, 6, 4, 5])
        #expect(throws: ForecastError.self) { try SeasonalNaive(period: 0) }
    }
}

@Suite struct DifferencingTests {
    @Test func airPassengersAgreesWithStatsmodelsKPSSAndPmdarima() throws {
        let fixture = try #require(StatsmodelsFixture.all.first { $0.series == "air-passengers-log" })
        let seasonalDifference = (12..<fixture.data.count).map { fixture.data[$0] - fixture.data[$0 - 12] }
        // statsmodels.tsa.stattools.kpss(x, regression="c", nlags=⌊4 (n/100)^¼⌋)
        #expect(abs(Differencing.kpssStatistic(fixture.data) - 2.8286747955542046) < 1e-9)
        #expect(abs(Differencing.kpssStatistic(seasonalDifference) - 0.36816366667383443) < 1e-9)
        // pmdarima: nsdiffs(y, m=12) = 1, then ndiffs(seasonal difference, test="kpss") = 0.
        let chosen = try Differencing.choose(fixture.data, period: 12)
        #expect(chosen.seasonalD == 1)
        #expect(chosen.d == 0)
    }

    @Test func stationaryNoiseNeedsNone() throws {
        // A deterministic, well-mixed sequence: no trend, no season.
        var state: UInt64 = 42
        let noise = (0..<200).map { _ -> Double in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let chosen = try Differencing.choose(noise, period: 12)
        #expect(chosen.d == 0)
        #expect(chosen.seasonalD == 0)
    }

    @Test func aRandomWalkNeedsOneDifference() throws {
        var state: UInt64 = 7
        var level = 0.0
        let walk = (0..<300).map { _ -> Double in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            level += Double(state >> 11) / Double(1 << 53) - 0.5
            return level
        }
        #expect(try Differencing.choose(walk, period: 0).d == 1)
    }

    @Test func thePapersPatternIsSeasonal() throws {
        #expect(try Differencing.choose(paperPattern, period: 10).seasonalD == 1)
    }
}
