import Forecast
import Testing
@testable import augur

@Suite struct FallbackTests {
    let series: [Double] = [10, 20, 30, 11, 21, 31, 12, 22, 32]

    private func model(converged: Bool) throws -> SARIMAModel {
        SARIMAModel(order: try SARIMAOrder(p: 1, d: 0, q: 0), parameters: SARIMAParameters(ar: [0.5], sigma2: 1), logLikelihood: -10, effectiveObservations: 9, converged: converged, iterations: 200)
    }

    @Test func aFitThatDidNotConvergeIsReplacedAndSaysWhy() throws {
        let seasonal = try #require(try ForecastCommand.fallback(for: model(converged: false), series: series, period: 3, span: 3, horizon: 4))
        #expect(seasonal.model == "seasonal naive (m=3)")
        #expect(seasonal.forecast == [12, 22, 32, 12])
        #expect(seasonal.reason.contains("did not converge after 200 iterations"))
        let ema = try #require(try ForecastCommand.fallback(for: model(converged: false), series: series, period: 0, span: 3, horizon: 1))
        #expect(ema.model == "EMA(n=3)")
    }

    @Test func aConvergedFitNeedsNoFallback() throws {
        #expect(try ForecastCommand.fallback(for: model(converged: true), series: series, period: 3, span: 3, horizon: 2) == nil)
    }
}
