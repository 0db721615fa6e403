import Foundation

/// Multiple seasonal-trend decomposition by Loess (Bandara, Hyndman and Bergmeir 2021) and
/// its forecast, as statsforecast's `MSTL`: each seasonal component by STL in turn (shortest
/// period first, windows 11, 15, 19, …, local constants, two passes), then the series less
/// its seasonal components — trend plus remainder — forecast by ETS chosen by AICc, and each
/// seasonal component continued by repeating its last cycle. It carries the daily and weekly
/// cycles of 30-second counts (m = 2880 and 20160), which no SARIMA state can.
///
/// A period needs more than two cycles of data (as R's `mstl`); the shorter ones are fitted
/// and the rest listed in `skippedPeriods`, so a young series is forecast with what it has.
public struct MSTLModel: Sendable, Hashable, Codable, CustomStringConvertible {
    public let periods: [Int]
    public let skippedPeriods: [Int]
    /// Each fitted period's last cycle: index 0 held the value one cycle before the next.
    public let cycles: [[Double]]
    /// Values taken by `update` since the decomposition: how far the cycles have moved on.
    public private(set) var phase = 0
    /// The model of trend plus remainder.
    public private(set) var remainder: ExponentialSmoothing

    public var description: String {
        let seasonal = periods.isEmpty ? "no seasonal component" : "MSTL(\(periods.map(String.init).joined(separator: ",")))"
        return "\(seasonal) + \(remainder)"
    }

    /// The components: `seasonal` (one per fitted period) and `trend`, from the last STL run;
    /// the series less the seasonal components is what the remainder model fits.
    public struct Decomposition: Sendable, Hashable {
        public let periods: [Int]
        public let skippedPeriods: [Int]
        public let seasonal: [[Double]]
        public let trend: [Double]
        public let deseasonalised: [Double]
    }

    /// Decomposes `series`. `jumps` evaluates each Loess every tenth of its window (as R's
    /// `stl`), for long periods in the live loop.
    public static func decompose(_ series: [Double], periods requested: [Int], jumps: Bool = false) throws(ForecastError) -> Decomposition {
        try SeriesCheck.finite(series)
        guard !requested.isEmpty, requested.allSatisfy({ $0 >= 2 }) else {
            throw ForecastError.invalidOrder("MSTL needs one or more periods of at least 2, not \(requested)")
        }
        let sorted = Array(Set(requested)).sorted()
        let periods = sorted.filter { 2 * $0 < series.count }
        var seasonals = periods.map { _ in [Double](repeating: 0, count: series.count) }
        var deseasonalised = series
        var trend = [Double](repeating: 0, count: series.count)
        for _ in 0..<(periods.count > 1 ? 2 : 1) {
            for (index, period) in periods.enumerated() {
                for t in deseasonalised.indices { deseasonalised[t] += seasonals[index][t] }
                let stl = try STL(period: period, seasonalWindow: 7 + 4 * (index + 1), seasonalDegree: 0, jumps: jumps)
                let parts = try stl.decompose(deseasonalised)
                seasonals[index] = parts.seasonal
                trend = parts.trend
                for t in deseasonalised.indices { deseasonalised[t] -= seasonals[index][t] }
            }
        }
        return Decomposition(periods: periods, skippedPeriods: sorted.filter { !periods.contains($0) }, seasonal: seasonals, trend: trend, deseasonalised: deseasonalised)
    }

    /// Decomposes `series` and fits the remainder model.
    public static func fit(_ series: [Double], periods: [Int], jumps: Bool = false) throws(ForecastError) -> MSTLModel {
        let parts = try decompose(series, periods: periods, jumps: jumps)
        let cycles = zip(parts.periods, parts.seasonal).map { period, seasonal in Array(seasonal.suffix(period)) }
        return MSTLModel(periods: parts.periods, skippedPeriods: parts.skippedPeriods, cycles: cycles, remainder: try ExponentialSmoothing.select(parts.deseasonalised))
    }

    /// The next `horizon` values: the remainder model's forecast and interval, plus each
    /// seasonal component's cycle.
    public func forecast(horizon: Int) -> [ForecastPoint] {
        remainder.forecast(horizon: horizon).enumerated().map { step, point in
            let seasonal = seasonalPart(ahead: step)
            return ForecastPoint(mean: point.mean + seasonal, variance: point.standardError * point.standardError)
        }
    }

    /// Takes one more value without decomposing again: its seasonal part is what the cycles
    /// predicted, the rest updates the remainder model, and the cycles move on one step.
    public mutating func update(_ value: Double) {
        remainder.update(value - seasonalPart(ahead: 0))
        phase += 1
    }

    /// The seasonal components' sum `step` values past the next one.
    private func seasonalPart(ahead step: Int) -> Double {
        cycles.reduce(0) { $0 + $1[(phase + step) % $1.count] }
    }
}
