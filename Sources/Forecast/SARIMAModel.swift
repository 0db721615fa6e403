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

    /// A model from known parameters, e.g. ones stored after an earlier fit.
    public init(order: SARIMAOrder, parameters: SARIMAParameters, logLikelihood: Double, effectiveObservations: Int, converged: Bool, iterations: Int) {
        self.order = order
        self.parameters = parameters
        self.logLikelihood = logLikelihood
        self.effectiveObservations = effectiveObservations
        self.converged = converged
        self.iterations = iterations
    }

    public var parameterNames: [String] { order.parameterNames }
    public var aic: Double { -2 * logLikelihood + 2 * Double(order.parameterCount) }
    public var aicc: Double {
        let k = Double(order.parameterCount)
        let n = Double(effectiveObservations)
        return n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .infinity
    }

    /// The exact log-likelihood of `series` under `parameters`.
    public static func logLikelihood(_ series: [Double], order: SARIMAOrder, parameters: SARIMAParameters) -> Double {
        var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
        for value in series { filter.update(value) }
        return filter.logLikelihood
    }

    /// Fits `order` to `series` by maximum likelihood.
    ///
    /// The search runs on the differenced series with only the ARMA block in the state and σ²
    /// concentrated out: with the levels' prior diffuse, the first d + D·m observations tell
    /// nothing about the ARMA process, so that likelihood equals statsmodels' one up to terms in
    /// 1/10⁶, while its state is smaller and its gradients free of the prior's rounding noise.
    /// It starts from least-squares estimates (`StartingValues`); when that search ends near the
    /// boundary of the stationary or invertible region, or does not converge, it also starts
    /// from zero and from the boundary's side, and keeps the best by exact log-likelihood.
    /// The log-likelihood reported is the exact one, in statsmodels' conventions.
    ///
    /// A series that differencing leaves constant has nothing random left: it gets a fit with
    /// σ² = 0 (`isDeterministic`), whose forecast continues it exactly.
    ///
    /// `start` replaces the least-squares start when it is admissible: a live refit starts
    /// from the parameters in use, which a few more counts have barely moved, and an order
    /// search from its best neighbour's.
    public static func fit(_ series: [Double], order: SARIMAOrder, start: SARIMAParameters? = nil) throws(ForecastError) -> SARIMAModel {
        try SeriesCheck.finite(series)
        let needed = order.differencingStates + order.parameterCount + 1
        guard series.count >= needed else { throw ForecastError.tooShort(count: series.count, needed: needed, model: "SARIMA\(order)") }
        let differenced = difference(series, order: order)
        let meanSquare = differenced.reduce(0) { $0 + $1 * $1 } / Double(differenced.count)
        let mean = differenced.reduce(0, +) / Double(differenced.count)
        guard meanSquare - mean * mean > 1e-12 * max(1, meanSquare) else {
            return SARIMAModel(order: order, parameters: SARIMAParameters(vector: [Double](repeating: 0, count: order.parameterCount), order: order), logLikelihood: .infinity, effectiveObservations: series.count - order.differencingStates, converged: true, iterations: 0)
        }

        let arma = try SARIMAOrder(p: order.p, d: 0, q: order.q, seasonalP: order.seasonalP, seasonalD: 0, seasonalQ: order.seasonalQ, period: order.period)
        let n = Double(differenced.count)
        func concentrated(_ x: [Double]) -> (logLikelihood: Double, sigma2: Double) {
            var filter = KalmanFilter(model: SARIMAStateSpace(order: arma, parameters: SARIMAParameters(unconstrained: x + [1], order: arma)))
            for value in differenced { filter.update(value) }
            return filter.concentrated
        }
        let objective = { (x: [Double]) -> Double in
            let value = -concentrated(x).logLikelihood / n
            return value.isFinite ? value : .infinity
        }
        let optimiser = QuasiNewton()
        let initial = start.flatMap { $0.vector.count == order.parameterCount && $0.isAdmissible ? SARIMAParameters(vector: $0.vector, order: arma) : nil }
            ?? StartingValues.estimate(differenced, order: arma)
        let estimated = initial.unconstrained.dropLast().map { min(max($0, -Self.startBound), Self.startBound) }
        var searches = [optimiser.minimize(objective, from: estimated)]
        // Further starts, on a shorter budget, when the search ended near the boundary or did
        // not converge; not when σ² collapsed (the likelihood grows without bound there, and
        // another start only finds more of it), nor after a converged warm start.
        if let first = searches.first, !first.converged || (start == nil && first.x.contains(where: { abs($0) > Self.startBound })),
           concentrated(first.x).sigma2 > 1e-9 * (meanSquare - mean * mean) {
            let further = QuasiNewton(maxIterations: 60)
            searches.append(further.minimize(objective, from: [Double](repeating: 0, count: estimated.count)))
            // Deeper towards the boundary where the first search ended near it.
            let deeper = first.x.map { abs($0) > Self.startBound ? Double(signOf: $0, magnitudeOf: 2 * Self.startBound) : $0 }
            searches.append(further.minimize(objective, from: deeper))
        }
        let fits = searches.filter(\.value.isFinite).map { search -> SARIMAModel in
            var parameters = SARIMAParameters(unconstrained: search.x + [1], order: order)
            parameters.sigma2 = concentrated(search.x).sigma2
            return SARIMAModel(
                order: order,
                parameters: parameters,
                logLikelihood: logLikelihood(series, order: order, parameters: parameters),
                effectiveObservations: series.count - order.differencingStates,
                converged: search.converged,
                iterations: searches.reduce(0) { $0 + $1.iterations })
        }
        guard let best = fits.filter({ $0.logLikelihood.isFinite }).max(by: { $0.logLikelihood < $1.logLikelihood }) else {
            throw ForecastError.didNotConverge(model: "SARIMA\(order)", reason: "the likelihood is not finite at any point tried")
        }
        return best
    }

    /// Unconstrained values beyond this (partial autocorrelations beyond ±0.98) are "near the
    /// boundary": a search ending there is tried from other starts too.
    static let startBound = 5.0

    /// True for a fit with σ² = 0: the differenced series is constant, every forecast exact.
    public var isDeterministic: Bool { parameters.sigma2 == 0 }

    /// Forecasts `horizon` steps past the end of `series` (the series the model describes).
    public func forecast(_ series: [Double], horizon: Int) -> [ForecastPoint] {
        if isDeterministic { return deterministicForecast(series, horizon: horizon) }
        var filter = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
        for value in series { filter.update(value) }
        return filter.forecast(horizon: horizon).map { ForecastPoint(mean: $0.mean, variance: $0.variance) }
    }

    /// The differencing recurrence run forward with the differenced series held at its last
    /// value: y(t) = w + Σ c_j·y(t−j). Exact for a series whose differences are constant.
    private func deterministicForecast(_ series: [Double], horizon: Int) -> [ForecastPoint] {
        let polynomial = Polynomial.differencing(d: order.d, seasonalD: order.seasonalD, period: order.period)
        let step = Self.difference(series, order: order).last ?? 0
        var extended = series
        for _ in 0..<max(0, horizon) {
            let t = extended.count
            extended.append(polynomial.enumerated().dropFirst().reduce(step) { sum, term in
                t - term.offset >= 0 ? sum - term.element * extended[t - term.offset] : sum
            })
        }
        return extended.suffix(max(0, horizon)).map { ForecastPoint(mean: $0, variance: 0) }
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
