import Foundation

/// How many differences a series needs before ARMA terms can model it, chosen the way
/// Hyndman and Khandakar's `auto.arima` does by default: seasonal differences by seasonal
/// strength (Wang, Smith and Hyndman 2006; D = 1 when F_s > 0.64), then ordinary differences
/// while the KPSS test rejects level stationarity at 5 %. The seasonal strength comes from a
/// classical decomposition (centred moving-average trend, mean seasonal profile), not STL.
public enum Differencing {
    /// d and D for `series` with season length `period` (0 or 1: no season).
    public static func choose(_ series: [Double], period: Int, maxD: Int = 2) throws(ForecastError) -> (d: Int, seasonalD: Int) {
        try SeriesCheck.finite(series)
        var seasonalD = 0
        var working = series
        if period >= 2, series.count >= 2 * period + 1, seasonalStrength(series, period: period) > 0.64 {
            seasonalD = 1
            working = (period..<series.count).map { series[$0] - series[$0 - period] }
        }
        var d = 0
        while d < maxD, working.count > 10, kpssStatistic(working) > 0.463 {
            working = (1..<working.count).map { working[$0] - working[$0 - 1] }
            d += 1
        }
        return (d, seasonalD)
    }

    /// F_s = max(0, 1 − Var(remainder) / Var(season + remainder)).
    static func seasonalStrength(_ y: [Double], period m: Int) -> Double {
        let n = y.count
        let half = m / 2
        // Centred moving average (2×m when m is even).
        var trend = [Double?](repeating: nil, count: n)
        for t in half..<(n - half) {
            if m % 2 == 0 {
                var sum = 0.5 * (y[t - half] + y[t + half])
                for k in (t - half + 1)..<(t + half) { sum += y[k] }
                trend[t] = sum / Double(m)
            } else {
                trend[t] = y[(t - half)...(t + half)].reduce(0, +) / Double(m)
            }
        }
        var profile = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: m)
        for t in 0..<n { if let level = trend[t] { profile[t % m] += y[t] - level; counts[t % m] += 1 } }
        for k in 0..<m { profile[k] = counts[k] > 0 ? profile[k] / Double(counts[k]) : 0 }
        let centre = profile.reduce(0, +) / Double(m)
        var remainder: [Double] = []
        var detrended: [Double] = []
        for t in 0..<n {
            guard let level = trend[t] else { continue }
            detrended.append(y[t] - level)
            remainder.append(y[t] - level - (profile[t % m] - centre))
        }
        let total = variance(detrended)
        return total > 0 ? max(0, 1 - variance(remainder) / total) : 0
    }

    /// The KPSS statistic for level stationarity, with the Newey–West long-run variance at
    /// lag ⌊4 (n/100)^¼⌋ (Kwiatkowski, Phillips, Schmidt and Shin 1992).
    static func kpssStatistic(_ y: [Double]) -> Double {
        let n = y.count
        let mean = y.reduce(0, +) / Double(n)
        let residuals = y.map { $0 - mean }
        var partial = 0.0
        var sumSquares = 0.0
        for e in residuals {
            partial += e
            sumSquares += partial * partial
        }
        let lags = Int(4 * pow(Double(n) / 100, 0.25))
        var longRun = residuals.reduce(0) { $0 + $1 * $1 } / Double(n)
        if lags > 0 {
            for lag in 1...lags {
                var autocovariance = 0.0
                for t in lag..<n { autocovariance += residuals[t] * residuals[t - lag] }
                longRun += 2 * (1 - Double(lag) / Double(lags + 1)) * autocovariance / Double(n)
            }
        }
        return longRun > 0 ? sumSquares / (Double(n) * Double(n) * longRun) : 0
    }

    private static func variance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    }
}
