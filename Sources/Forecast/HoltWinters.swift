import Foundation

/// Additive Holt-Winters exponential smoothing (level, trend, season), with the smoothing
/// weights chosen by least squares on the one-step errors.
public struct HoltWinters: Sendable, Hashable, Codable {
    public let period: Int
    public let alpha: Double
    public let beta: Double
    public let gamma: Double
    public let level: Double
    public let trend: Double
    /// The seasonal terms for the next `period` steps, next step first.
    public let season: [Double]
    public let sumOfSquaredErrors: Double
    public let observations: Int

    /// Fits the weights to `series` (at least two full seasons).
    public static func fit(_ series: [Double], period: Int) throws(ForecastError) -> HoltWinters {
        try SeriesCheck.finite(series)
        guard period >= 2 else { throw ForecastError.invalidOrder("Holt-Winters needs a period of at least 2, not \(period)") }
        guard series.count >= 2 * period else { throw ForecastError.tooShort(count: series.count, needed: 2 * period, model: "Holt-Winters (m=\(period))") }
        // Weights live in (0, 1) through a logistic map, so the optimiser runs unconstrained.
        func weights(_ x: [Double]) -> (Double, Double, Double) {
            let squash = { (v: Double) in 1 / (1 + exp(-v)) }
            return (squash(x[0]), squash(x[1]), squash(x[2]))
        }
        let objective: ([Double]) -> Double = { x in
            let (a, b, g) = weights(x)
            return run(series, period: period, alpha: a, beta: b, gamma: g).sse / Double(series.count)
        }
        let result = QuasiNewton().minimize(objective, from: [0, -2, -2])
        let (a, b, g) = weights(result.x)
        let final = run(series, period: period, alpha: a, beta: b, gamma: g)
        return HoltWinters(period: period, alpha: a, beta: b, gamma: g, level: final.level, trend: final.trend, season: final.season, sumOfSquaredErrors: final.sse, observations: series.count)
    }

    public func forecast(horizon: Int) -> [Double] {
        (0..<max(0, horizon)).map { h in level + Double(h + 1) * trend + season[h % period] }
    }

    /// Runs the recursions from the classical start: level = mean of the first season,
    /// trend = mean change between the first two seasons per step, season = first-season deviations.
    private static func run(_ y: [Double], period m: Int, alpha: Double, beta: Double, gamma: Double) -> (level: Double, trend: Double, season: [Double], sse: Double) {
        let first = y.prefix(m).reduce(0, +) / Double(m)
        let second = y[m..<(2 * m)].reduce(0, +) / Double(m)
        var level = first
        var trend = (second - first) / Double(m)
        var season = y.prefix(m).map { $0 - first }
        var sse = 0.0
        for t in m..<y.count {
            let s = season[t % m]
            let error = y[t] - (level + trend + s)
            sse += error * error
            let previousLevel = level
            level = alpha * (y[t] - s) + (1 - alpha) * (level + trend)
            trend = beta * (level - previousLevel) + (1 - beta) * trend
            season[t % m] = gamma * (y[t] - level) + (1 - gamma) * s
        }
        let next = y.count % m
        return (level, trend, Array(season[next...] + season[..<next]), sse)
    }
}
