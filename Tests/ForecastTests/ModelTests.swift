import Testing
@testable import Forecast

@Suite struct EMATests {
    @Test func followsThePaperFormulaWithSpanThree() throws {
        var ema = try EMA(span: 3)
        #expect(ema.alpha == 0.5)
        #expect(ema.level == nil)
        let forecasts = ema.update([100, 100, 20, 20])
        // EMA_0 = R_0; then EMA_t = 0.5·R_t + 0.5·EMA_{t−1}.
        #expect(forecasts == [nil, 100, 100, 60])
        #expect(ema.level == 40)
        #expect(ema.forecast(horizon: 3) == [40, 40, 40])
    }

    @Test func spanMustBePositive() {
        #expect(throws: ForecastError.invalidOrder("EMA span must be at least 1, not 0")) { try EMA(span: 0) }
    }
}

@Suite struct SARIMAInputTests {
    @Test func seasonalTermsNeedAPeriod() {
        #expect(throws: ForecastError.self) { try SARIMAOrder(p: 0, d: 1, q: 0, seasonalD: 1, period: 1) }
        #expect(throws: ForecastError.self) { try SARIMAOrder(p: -1, d: 0, q: 0) }
    }

    @Test func badSeriesAreRefusedWithThePlace() throws {
        let order = try SARIMAOrder(p: 1, d: 0, q: 0)
        #expect(throws: ForecastError.emptySeries) { try SARIMAModel.fit([], order: order) }
        #expect(throws: ForecastError.notFinite(index: 2)) { try SARIMAModel.fit([1, 2, .nan, 4, 5], order: order) }
        #expect(throws: ForecastError.tooShort(count: 2, needed: 3, model: "SARIMA(1,0,0)")) { try SARIMAModel.fit([1, 2], order: order) }
    }

    @Test func aSeriesDifferencingLeavesConstantGetsADeterministicFit() throws {
        let pattern = (0..<60).map { $0 % 10 < 8 ? 100.0 : 20.0 }
        let withARMA = try SARIMAOrder(p: 1, d: 1, q: 1, seasonalD: 1, seasonalQ: 1, period: 10)
        let fitted = try SARIMAModel.fit(pattern, order: withARMA)
        #expect(fitted.isDeterministic && fitted.converged)
        #expect(fitted.logLikelihood == .infinity)
        let points = fitted.forecast(pattern, horizon: 12)
        #expect(points.map(\.mean) == (60..<72).map { $0 % 10 < 8 ? 100.0 : 20.0 })
        #expect(points.allSatisfy { $0.standardError == 0 && $0.lower95 == $0.upper95 })

        let trend = (0..<30).map { 3 + 2 * Double($0) }
        let drifting = try SARIMAModel.fit(trend, order: SARIMAOrder(p: 1, d: 1, q: 0))
        #expect(drifting.isDeterministic)
        #expect(drifting.forecast(trend, horizon: 3).map(\.mean) == [63, 65, 67])
    }

    @Test func transformsRoundTripAndStayStationary() {
        for raw in [[0.3], [-2.0, 0.7], [1.5, -0.4, 3.0]] {
            let constrained = ParameterTransform.constrainStationary(raw)
            let back = ParameterTransform.unconstrainStationary(constrained)
            for (a, b) in zip(raw, back) { #expect(abs(a - b) < 1e-9) }
        }
        // AR(1): the constrained coefficient is inside (−1, 1) for any input.
        #expect(abs(ParameterTransform.constrainStationary([50])[0]) < 1)
    }

    @Test func paperPatternUnderSeasonalDifferencingForecastsTheNextCycleExactly() throws {
        // The paper chose SARIMA(0,1,0)(0,1,0)10 for its pattern: 8 rounds of 100 users, 2 of 20.
        let cycle: [Double] = Array(repeating: 100, count: 8) + [20, 20]
        let series = Array(repeating: cycle, count: 3).flatMap { $0 }.enumerated().map { $0.element + Double($0.offset % 3) }
        let order = try SARIMAOrder(p: 0, d: 1, q: 0, seasonalD: 1, period: 10)
        let model = try SARIMAModel.fit(series, order: order)
        let next = model.forecast(series, horizon: 10).map(\.mean)
        // (1−B)(1−B¹⁰) with no ARMA terms: y(t) = y(t−1) + y(t−10) − y(t−11).
        var extended = series
        for _ in 0..<10 {
            let t = extended.count
            extended.append(extended[t - 1] + extended[t - 10] - extended[t - 11])
        }
        for (ours, expected) in zip(next, extended.suffix(10)) { #expect(abs(ours - expected) < 1e-6) }
        #expect(model.parameterNames == ["sigma2"])
    }
}

@Suite struct StationaryCovarianceTests {
    @Test(arguments: [[0.2], [0.95, -0.3], [0.999]])
    func recursionAndDoublingAgree(ar: [Double]) throws {
        let order = try SARIMAOrder(p: ar.count, d: 0, q: 1, seasonalP: 0, seasonalQ: 1, period: 4)
        let model = SARIMAStateSpace(order: order, parameters: SARIMAParameters(ar: ar, ma: [0.4], seasonalMA: [-0.5], sigma2: 2))
        let recursion = model.stationaryARMACovariance()
        let doubling = model.doublingCovariance()
        let scale = doubling.map(abs).max() ?? 1
        for (a, b) in zip(recursion, doubling) { #expect(abs(a - b) <= 1e-9 * scale) }
    }
}
