import Foundation
import Testing
@testable import Forecast

/// Fixtures written by Scripts/forecast-fixtures from statsforecast's `mstl` and `MSTL`.
struct MSTLFixture: Decodable, CustomTestStringConvertible {
    let series: String
    let data: [Double]
    let periods: [Int]
    let seasonal: [[Double]]
    let trend: [Double]
    let forecastMean: [Double]

    var testDescription: String { "\(series) \(periods)" }

    static let all: [MSTLFixture] = FixtureFile<MSTLFixture>.load("mstl.json")
}

@Suite struct MSTLTests {
    @Test func fixturesArePresent() {
        #expect(MSTLFixture.all.contains { $0.periods.count >= 2 })
    }

    /// The decomposition is statsforecast's (through statsmodels' STL), value for value.
    @Test(arguments: MSTLFixture.all)
    func sameDecompositionAsStatsforecast(_ fixture: MSTLFixture) throws {
        let scale = fixture.data.map(abs).max() ?? 1
        var deseasonalised = fixture.data
        let model = try MSTLModel.fit(fixture.data, periods: fixture.periods)
        #expect(model.periods == fixture.periods && model.skippedPeriods.isEmpty)
        let decomposition = try MSTLModel.decompose(fixture.data, periods: fixture.periods)
        for (ours, theirs) in zip(decomposition.seasonal, fixture.seasonal) {
            let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-9 * scale, "seasonal differs by \(worst)")
        }
        for seasonal in fixture.seasonal { for t in deseasonalised.indices { deseasonalised[t] -= seasonal[t] } }
        let worstTrend = zip(decomposition.trend, fixture.trend).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worstTrend <= 1e-9 * scale, "trend differs by \(worstTrend)")
    }

    /// Its forecast, with ETS for trend plus remainder, is statsforecast's `MSTL` one's.
    @Test(arguments: MSTLFixture.all)
    func forecastsAsStatsforecastDoes(_ fixture: MSTLFixture) throws {
        let model = try MSTLModel.fit(fixture.data, periods: fixture.periods)
        let points = model.forecast(horizon: fixture.forecastMean.count)
        for (point, theirs) in zip(points, fixture.forecastMean) {
            #expect(abs(point.mean - theirs) <= 1e-3 * abs(theirs), "\(point.mean) vs \(theirs)")
            #expect(point.lower95 < point.mean && point.mean < point.upper95)
        }
    }

    /// A period needs more than two cycles: the shorter ones are fitted, the others named.
    @Test func aYoungSeriesUsesThePeriodsItCanFit() throws {
        let series = (0..<100).map { 50 + 10 * sin(2 * Double.pi * Double($0) / 12) + Double($0 % 7) }
        let model = try MSTLModel.fit(series, periods: [12, 60])
        #expect(model.periods == [12] && model.skippedPeriods == [60])
        #expect(model.description.hasPrefix("MSTL(12) + ETS("))
        let none = try MSTLModel.fit(Array(series.prefix(20)), periods: [12])
        #expect(none.periods.isEmpty && none.description.hasPrefix("no seasonal component + ETS("))
        #expect(throws: ForecastError.self) { try MSTLModel.fit(series, periods: []) }
        #expect(throws: ForecastError.notFinite(index: 3)) { try MSTLModel.fit([1, 2, 3, .infinity], periods: [2]) }
    }

    /// Updating between decompositions moves the cycles and the remainder model on: after
    /// one full cycle of exactly the pattern, the forecast is the pattern again.
    @Test func updatesCarryTheCyclesForward() throws {
        let pattern = (0..<24).map { Double([5, 9, 14, 20, 14, 9][$0 % 6]) }
        var model = try MSTLModel.fit(pattern + pattern, periods: [6])
        let before = model.forecast(horizon: 6).map(\.mean)
        for value in pattern.prefix(6) { model.update(value) }
        let after = model.forecast(horizon: 6).map(\.mean)
        for (a, b) in zip(before, after) { #expect(abs(a - b) < 0.5, "\(a) vs \(b)") }
        #expect(zip(after, pattern.prefix(6)).allSatisfy { abs($0 - $1) < 1.5 })
    }
}
