import Foundation

/// A SARIMA(p,d,q)(P,D,Q)m model fitted by exact Gaussian maximum likelihood, with the
/// conventions of statsmodels' SARIMAX defaults: no trend, differencing inside the state
/// space, stationary AR and invertible MA enforced through parameter transforms.
public struct SARIMAModel: Sendable, Hashable, Codable {
    public let order: SARIMAOrder
    public let parameters: SARIMAParameters
    public let logLikelihood: Double
    /// Observations that count in the likelihood: all but the first d + D·m.
    public let effectiveObservations: Int
    public let converged: Bool
    public let iterations: Int

    public var parameterNames: [String] { order.parameterNames }
    public var aic: Double { -2 * logLikelihood + 2 * Double(order.parameterCount) }
    public var aicc: Double {
        let k = Double(order.parameterCount)
        let n = Double(effectiveObservations)
        return n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .infinity
    }
    public var bic: Double { -2 * logLikelihood + Double(order.parameterCount) * log(Double(effectiveObservations)) }

    /// The exact log-likelihood of `series` under `parameters`.
    public static func logLikelihood(_ series: [Double], order: SARIMAOrder, parameters: SARIMAParameters) -> Double {
        var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
        for value in series { filter.update(value) }
        return filter.logLikelihood
    }

    /// Fits `order` to `series` by maximum likelihood: first with σ² concentrated out (one
    /// parameter fewer, better conditioned), then polished on the exact likelihood.
    public static func fit(_ series: [Double], order: SARIMAOrder) throws(ForecastError) -> SARIMAModel {
        try SeriesCheck.finite(series)
        let needed = order.differencingStates + order.parameterCount + 1
        guard series.count >= needed else { throw ForecastError.tooShort(count: series.count, needed: needed, model: "SARIMA\(order)") }
        let differenced = difference(series, order: order)
        let meanSquare = differenced.reduce(0) { $0 + $1 * $1 } / Double(differenced.count)
        let mean = differenced.reduce(0, +) / Double(differenced.count)
        guard meanSquare - mean * mean > 1e-12 * max(1, meanSquare) else { throw ForecastError.constantSeries }

        let n = Double(series.count)
        let armaCount = order.parameterCount - 1
        let concentratedObjective: ([Double]) -> Double = { x in
            let parameters = SARIMAParameters(unconstrained: x + [1], order: order)
            var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
            for value in series { filter.update(value) }
            let value = -filter.concentrated.logLikelihood / n
            return value.isFinite ? value : .infinity
        }
        let search = QuasiNewton().minimize(concentratedObjective, from: [Double](repeating: 0, count: armaCount))
        guard search.value.isFinite else {
            throw ForecastError.didNotConverge(model: "SARIMA\(order)", reason: "the likelihood is not finite at any point tried")
        }
        var found = SARIMAParameters(unconstrained: search.x + [1], order: order)
        var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: found))
        for value in series { filter.update(value) }
        found.sigma2 = filter.concentrated.sigma2

        let exactObjective: ([Double]) -> Double = { x in
            let value = -logLikelihood(series, order: order, parameters: SARIMAParameters(unconstrained: x, order: order)) / n
            return value.isFinite ? value : .infinity
        }
        let polish = QuasiNewton(maxIterations: 50).minimize(exactObjective, from: found.unconstrained)
        return SARIMAModel(
            order: order,
            parameters: SARIMAParameters(unconstrained: polish.x, order: order),
            logLikelihood: -polish.value * n,
            effectiveObservations: series.count - order.differencingStates,
            converged: search.converged && polish.converged,
            iterations: search.iterations + polish.iterations)
    }

    /// Forecasts `horizon` steps past the end of `series` (the series the model describes).
    public func forecast(_ series: [Double], horizon: Int) -> [ForecastPoint] {
        var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
        for value in series { filter.update(value) }
        return filter.forecast(horizon: horizon).map { ForecastPoint(mean: $0.mean, variance: $0.variance) }
    }

    /// The series after `(1 − B)^d (1 − B^m)^D`, without its first d + D·m values.
    static func difference(_ series: [Double], order: SARIMAOrder) -> [Double] {
        let polynomial = Polynomial.differencing(d: order.d, seasonalD: order.seasonalD, period: order.period)
        let lags = polynomial.count - 1
        guard series.count > lags else { return [] }
        return (lags..<series.count).map { t in
            polynomial.enumerated().reduce(0) { $0 + $1.element * series[t - $1.offset] }
        }
    }
}

/// One forecast step: the mean, its standard error and the 95 % interval.
public struct ForecastPoint: Sendable, Hashable, Codable {
    public let mean: Double
    public let standardError: Double

    public init(mean: Double, variance: Double) {
        self.mean = mean
        standardError = max(0, variance).squareRoot()
    }

    public var lower95: Double { mean - 1.959963984540054 * standardError }
    public var upper95: Double { mean + 1.959963984540054 * standardError }
}

/// Checks every model applies to its input.
enum SeriesCheck {
    static func finite(_ series: [Double]) throws(ForecastError) {
        guard !series.isEmpty else { throw ForecastError.emptySeries }
        if let index = series.firstIndex(where: { !$0.isFinite }) { throw ForecastError.notFinite(index: index) }
    }
}
