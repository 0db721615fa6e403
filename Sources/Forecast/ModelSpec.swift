/// A forecasting method with its settings: what backtests compare and what the
/// orchestrator will pick per content.
public enum ModelSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case ema(span: Int)
    case seasonalNaive(period: Int)
    case holtWinters(period: Int)
    case sarima(SARIMAOrder)
    case mstl(periods: [Int])

    /// Fits to `series` and returns the point forecasts for the next `horizon` steps.
    public func forecast(_ series: [Double], horizon: Int) throws(ForecastError) -> [Double] {
        switch self {
        case .ema(let span):
            try SeriesCheck.finite(series)
            var ema = try EMA(span: span)
            _ = ema.update(series)
            return ema.forecast(horizon: horizon)
        case .seasonalNaive(let period):
            return try SeasonalNaive(period: period).forecast(series, horizon: horizon)
        case .holtWinters(let period):
            return try HoltWinters.fit(series, period: period).forecast(horizon: horizon)
        case .sarima(let order):
            return try SARIMAModel.pointForecast(series, order: order, horizon: horizon)
        case .mstl(let periods):
            return try MSTLModel.fit(series, periods: periods).forecast(horizon: horizon).map(\.mean)
        }
    }

    public var description: String {
        switch self {
        case .ema(let span): return "EMA(n=\(span))"
        case .seasonalNaive(let period): return "seasonal naive (m=\(period))"
        case .holtWinters(let period): return "Holt-Winters additive (m=\(period))"
        case .sarima(let order): return "SARIMA\(order)"
        case .mstl(let periods): return "MSTL(\(periods.map(String.init).joined(separator: ",")))"
        }
    }
}

extension SARIMAModel {
    /// Point forecasts only. A model with no ARMA terms has nothing to estimate that moves
    /// its point forecast (σ² only widens the intervals), so it is not fitted: that also
    /// covers a series that differencing makes exactly constant, which it predicts exactly.
    static func pointForecast(_ series: [Double], order: SARIMAOrder, horizon: Int) throws(ForecastError) -> [Double] {
        if order.parameterCount == 1 {
            try SeriesCheck.finite(series)
            guard series.count > order.differencingStates else {
                throw ForecastError.tooShort(count: series.count, needed: order.differencingStates + 1, model: "SARIMA\(order)")
            }
            let model = SARIMAModel(order: order, parameters: SARIMAParameters(sigma2: 1), logLikelihood: .nan, effectiveObservations: series.count - order.differencingStates, converged: true, iterations: 0)
            return model.forecast(series, horizon: horizon).map(\.mean)
        }
        return try fit(series, order: order).forecast(series, horizon: horizon).map(\.mean)
    }
}
