import Foundation
import Testing
@testable import Forecast

/// Fixtures written by Scripts/forecast-fixtures from statsmodels' SARIMAX on real series.
struct StatsmodelsFixture: Decodable, CustomTestStringConvertible {
    let series: String
    let data: [Double]
    let order: [Int]
    let seasonalOrder: [Int]
    let paramNames: [String]
    let params: [Double]
    let llf: Double
    let aic: Double
    let converged: Bool
    let forecastMean: [Double]
    let forecastSe: [Double]

    var testDescription: String { "\(series) \(order)\(seasonalOrder)" }

    /// statsmodels' σ² is rounding noise (below 10⁻⁸ of the series' variance): the series is
    /// deterministic after differencing. Its log-likelihood and standard errors at that σ² are
    /// then set by the 10⁶ prior against a σ² near 10⁻¹⁰, 16 orders of magnitude apart, and
    /// neither side's digits mean anything; only the forecast means are compared.
    var isDegenerate: Bool {
        let mean = data.reduce(0, +) / Double(data.count)
        let variance = data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(data.count)
        return (params.last ?? 0) < 1e-8 * max(variance, 1e-300)
    }

    func sarimaOrder() throws -> SARIMAOrder {
        try SARIMAOrder(p: order[0], d: order[1], q: order[2], seasonalP: seasonalOrder[0], seasonalD: seasonalOrder[1], seasonalQ: seasonalOrder[2], period: seasonalOrder[3])
    }

    static let all: [StatsmodelsFixture] = FixtureFile<StatsmodelsFixture>.load("statsmodels.json")
}

@Suite struct StatsmodelsParityTests {
    @Test func fixturesArePresent() {
        #expect(StatsmodelsFixture.all.count >= 12)
        #expect(Set(StatsmodelsFixture.all.map(\.series)).count >= 4)
        // The hard classes: a long season with its MA near −1, an AR near 1 undifferenced, and
        // a series differencing leaves constant.
        let longSeasonNearBoundary = StatsmodelsFixture.all.contains { $0.seasonalOrder[3] >= 24 && $0.params[$0.params.count - 2] < -0.99 }
        let arNearOne = StatsmodelsFixture.all.contains { $0.order == [1, 0, 0] && $0.seasonalOrder[1] == 0 && $0.params[0] > 0.98 }
        let deterministic = StatsmodelsFixture.all.contains { $0.isDegenerate }
        #expect(longSeasonNearBoundary && arNearOne && deterministic)
    }

    @Test(arguments: StatsmodelsFixture.all)
    func sameParameterNames(_ fixture: StatsmodelsFixture) throws {
        #expect(try fixture.sarimaOrder().parameterNames == fixture.paramNames)
    }

    @Test(arguments: StatsmodelsFixture.all)
    func sameLogLikelihoodAtStatsmodelsParameters(_ fixture: StatsmodelsFixture) throws {
        guard !fixture.isDegenerate else { return }
        let order = try fixture.sarimaOrder()
        let parameters = SARIMAParameters(vector: fixture.params, order: order)
        let ours = SARIMAModel.logLikelihood(fixture.data, order: order, parameters: parameters)
        #expect(abs(ours - fixture.llf) < 1e-3, "ours \(ours), statsmodels \(fixture.llf)")
    }

    @Test(arguments: StatsmodelsFixture.all)
    func sameForecastsAtStatsmodelsParameters(_ fixture: StatsmodelsFixture) throws {
        let order = try fixture.sarimaOrder()
        let model = SARIMAModel(order: order, parameters: SARIMAParameters(vector: fixture.params, order: order), logLikelihood: fixture.llf, effectiveObservations: fixture.data.count, converged: true, iterations: 0)
        let points = model.forecast(fixture.data, horizon: fixture.forecastMean.count)
        for (point, (mean, se)) in zip(points, zip(fixture.forecastMean, fixture.forecastSe)) {
            #expect(abs(point.mean - mean) <= 1e-3 * max(1, abs(mean)), "mean \(point.mean) vs \(mean)")
            if fixture.isDegenerate { continue }
            #expect(abs(point.standardError - se) <= 1e-3 * max(1e-3, abs(se)), "se \(point.standardError) vs \(se)")
        }
    }

    @Test(arguments: StatsmodelsFixture.all)
    func fitReachesStatsmodelsLikelihood(_ fixture: StatsmodelsFixture) throws {
        let order = try fixture.sarimaOrder()
        let model = try SARIMAModel.fit(fixture.data, order: order)
        if fixture.isDegenerate {
            #expect(model.isDeterministic)
            let points = model.forecast(fixture.data, horizon: fixture.forecastMean.count)
            #expect(zip(points, fixture.forecastMean).allSatisfy { abs($0.mean - $1) <= 1e-6 * max(1, abs($1)) && $0.standardError == 0 })
            return
        }
        #expect(model.logLikelihood >= fixture.llf - 1e-3, "ours \(model.logLikelihood), statsmodels \(fixture.llf)")
        if fixture.converged, abs(model.logLikelihood - fixture.llf) < 1e-2 {
            for (name, (ours, theirs)) in zip(fixture.paramNames, zip(model.parameters.vector, fixture.params)) {
                #expect(abs(ours - theirs) <= 5e-3 * max(1, abs(theirs)), "\(name): \(ours) vs \(theirs)")
            }
        }
        #expect(abs(model.aic - (-2 * model.logLikelihood + 2 * Double(fixture.params.count))) < 1e-9)
    }
}
