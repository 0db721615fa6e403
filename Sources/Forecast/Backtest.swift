/// Rolling-origin evaluation: fit on everything before an origin, forecast the next
/// `horizon` values, compare, move the origin on. What the orchestrator uses to pick, per
/// content, the model that predicts it best.
public struct BacktestScore: Sendable, Hashable, Codable {
    public let rmse: Double
    public let mae: Double
    /// MAE over the in-sample MAE of the seasonal naive forecast; nil when that is zero
    /// (an exactly periodic series, where any error at all is infinitely worse).
    public let mase: Double?
    public let forecasts: Int
}

public enum Backtest {
    /// Scores `model` on `series` with origins `origins` (indices: training is `series[..<origin]`).
    public static func evaluate(_ model: ModelSpec, series: [Double], horizon: Int, origins: [Int], seasonalPeriod: Int) throws(ForecastError) -> BacktestScore {
        try SeriesCheck.finite(series)
        var squared = 0.0
        var absolute = 0.0
        var count = 0
        for origin in origins where origin > 0 && origin < series.count {
            let actual = series[origin..<min(series.count, origin + horizon)]
            let predicted = try model.forecast(Array(series[..<origin]), horizon: actual.count)
            for (a, p) in zip(actual, predicted) {
                squared += (a - p) * (a - p)
                absolute += abs(a - p)
                count += 1
            }
        }
        guard count > 0 else { throw ForecastError.tooShort(count: series.count, needed: horizon + 1, model: "a backtest") }
        let lag = max(1, seasonalPeriod)
        let scale = series.count > lag ? (lag..<series.count).reduce(0) { $0 + abs(series[$1] - series[$1 - lag]) } / Double(series.count - lag) : 0
        let mae = absolute / Double(count)
        return BacktestScore(rmse: (squared / Double(count)).squareRoot(), mae: mae, mase: scale > 0 ? mae / scale : nil, forecasts: count)
    }

    /// Origins at the last `seasons` season boundaries (each followed by one season to forecast).
    public static func seasonalOrigins(count: Int, period: Int, seasons: Int = 2) -> [Int] {
        let step = max(1, period)
        return (1...max(1, seasons)).reversed().map { count - $0 * step }.filter { $0 > step }
    }
}
