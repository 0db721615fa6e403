import Foundation

/// Seasonal-trend decomposition by Loess (Cleveland, Cleveland, McRae and Terpenning 1990),
/// the non-robust inner loop as statsmodels' `STL` runs it: cycle-subseries smoothing, a
/// low-pass filter of the result, then the trend by Loess of the deseasonalised series.
/// MSTL calls it once per seasonal period.
public struct STL: Sendable, Hashable {
    public let period: Int
    /// Loess windows (odd) and local polynomial degrees (0 or 1) of each smoother.
    public let seasonalWindow: Int, trendWindow: Int, lowPassWindow: Int
    public let seasonalDegree: Int, trendDegree: Int, lowPassDegree: Int
    /// Loess is evaluated every `jump` points and interpolated between (1: everywhere).
    public let seasonalJump: Int, trendJump: Int, lowPassJump: Int
    public let innerIterations: Int

    /// The components: `seasonal + trend + remainder` is the series.
    public struct Decomposition: Sendable, Hashable {
        public let seasonal: [Double]
        public let trend: [Double]
        public let remainder: [Double]
    }

    /// statsmodels' defaults for the windows it derives: the trend window the smallest odd
    /// integer ≥ 1.5·m / (1 − 1.5/seasonal), the low-pass window the smallest odd one > m.
    /// `jumps` true evaluates each smoother every ⌈window/10⌉ points, as R's `stl` does.
    public init(period: Int, seasonalWindow: Int, seasonalDegree: Int = 1, jumps: Bool = false) throws(ForecastError) {
        guard period >= 2 else { throw ForecastError.invalidOrder("STL needs a period of at least 2, not \(period)") }
        guard seasonalWindow >= 3, seasonalWindow % 2 == 1 else {
            throw ForecastError.invalidOrder("the seasonal window must be odd and at least 3, not \(seasonalWindow)")
        }
        self.period = period
        self.seasonalWindow = seasonalWindow
        var trend = Int((1.5 * Double(period) / (1 - 1.5 / Double(seasonalWindow))).rounded(.up))
        trend += trend % 2 == 0 ? 1 : 0
        trendWindow = trend
        lowPassWindow = period + 1 + (period % 2 == 0 ? 0 : 1)
        self.seasonalDegree = seasonalDegree
        trendDegree = 1
        lowPassDegree = 1
        func jump(_ window: Int) -> Int { jumps ? (window + 9) / 10 : 1 }
        seasonalJump = jump(seasonalWindow)
        trendJump = jump(trendWindow)
        lowPassJump = jump(lowPassWindow)
        innerIterations = 5
    }

    /// Decomposes `y` (at least two full periods).
    public func decompose(_ y: [Double]) throws(ForecastError) -> Decomposition {
        try SeriesCheck.finite(y)
        let n = y.count
        guard n >= 2 * period else { throw ForecastError.tooShort(count: n, needed: 2 * period, model: "STL (m=\(period))") }
        var trend = [Double](repeating: 0, count: n)
        var season = [Double](repeating: 0, count: n)
        var detrended = [Double](repeating: 0, count: n)
        var cycle = [Double](repeating: 0, count: n + 2 * period)
        for _ in 0..<innerIterations {
            for i in 0..<n { detrended[i] = y[i] - trend[i] }
            smoothCycleSubseries(detrended, into: &cycle)
            let lowPass = Loess.smooth(lowPassFilter(cycle), window: lowPassWindow, degree: lowPassDegree, jump: lowPassJump)
            for i in 0..<n {
                season[i] = cycle[period + i] - lowPass[i]
                detrended[i] = y[i] - season[i]
            }
            trend = Loess.smooth(detrended, window: trendWindow, degree: trendDegree, jump: trendJump)
        }
        return Decomposition(seasonal: season, trend: trend, remainder: (0..<n).map { y[$0] - season[$0] - trend[$0] })
    }

    /// Each cycle-subseries (every m-th value) smoothed by Loess and extended one value past
    /// either end, written back interleaved: `n + 2m` values.
    private func smoothCycleSubseries(_ y: [Double], into cycle: inout [Double]) {
        for phase in 0..<period {
            let subseries = Swift.stride(from: phase, to: y.count, by: period).map { y[$0] }
            let k = subseries.count
            let smoothed = Loess.smooth(subseries, window: seasonalWindow, degree: seasonalDegree, jump: seasonalJump)
            let before = Loess.estimate(subseries, window: seasonalWindow, degree: seasonalDegree, at: 0, left: 1, right: min(seasonalWindow, k)) ?? smoothed[0]
            let after = Loess.estimate(subseries, window: seasonalWindow, degree: seasonalDegree, at: k + 1, left: max(1, k - seasonalWindow + 1), right: k) ?? smoothed[k - 1]
            cycle[phase] = before
            for (index, value) in smoothed.enumerated() { cycle[(index + 1) * period + phase] = value }
            cycle[(k + 1) * period + phase] = after
        }
    }

    /// Moving averages of length m, m and 3: `n + 2m` values in, n out.
    private func lowPassFilter(_ x: [Double]) -> [Double] {
        Self.movingAverage(Self.movingAverage(Self.movingAverage(x, length: period), length: period), length: 3)
    }

    static func movingAverage(_ x: [Double], length: Int) -> [Double] {
        guard x.count >= length else { return [] }
        var sum = x.prefix(length).reduce(0, +)
        var out = [sum / Double(length)]
        out.reserveCapacity(x.count - length + 1)
        for j in length..<x.count {
            sum += x[j] - x[j - length]
            out.append(sum / Double(length))
        }
        return out
    }
}

/// Loess with tricube weights and a local polynomial of degree 0 or 1, at integer positions
/// 1…n, in the conventions of STL's Fortran (and statsmodels' port of it).
enum Loess {
    /// The smooth at every position, evaluated every `jump` and linearly interpolated between.
    static func smooth(_ y: [Double], window: Int, degree: Int, jump: Int) -> [Double] {
        let n = y.count
        guard n >= 2 else { return y }
        var out = [Double](repeating: 0, count: n)
        let step = min(jump, n - 1)
        func at(_ position: Int, _ left: Int, _ right: Int) -> Double {
            estimate(y, window: window, degree: degree, at: position, left: left, right: right) ?? y[position - 1]
        }
        var left = 1, right = n
        if window >= n {
            for i in Swift.stride(from: 0, to: n, by: step) { out[i] = at(i + 1, 1, n) }
        } else if step == 1 {
            let half = (window + 2) / 2
            right = window
            for i in 0..<n {
                if i + 1 > half && right != n {
                    left += 1
                    right += 1
                }
                out[i] = at(i + 1, left, right)
            }
            return out
        } else {
            let half = (window + 1) / 2
            for i in Swift.stride(from: 0, to: n, by: step) {
                if i + 1 < half {
                    (left, right) = (1, window)
                } else if i + 1 >= n - half + 1 {
                    (left, right) = (n - window + 1, n)
                } else {
                    (left, right) = (i + 2 - half, window + i + 1 - half)
                }
                out[i] = at(i + 1, left, right)
            }
        }
        guard step > 1 else { return out }
        var i = 0
        while i < n - step {
            let delta = (out[i + step] - out[i]) / Double(step)
            for j in i..<(i + step) { out[j] = out[i] + delta * Double(j - i) }
            i += step
        }
        let last = ((n - 1) / step) * step + 1
        if last != n {
            out[n - 1] = at(n, left, right)
            if last != n - 1 {
                let delta = (out[n - 1] - out[last - 1]) / Double(n - last)
                for j in last..<n { out[j] = out[last - 1] + delta * Double(j + 1 - last) }
            }
        }
        return out
    }

    /// The local fit at `position` over the neighbourhood `left…right` (1-based); nil when
    /// every weight is zero. One pass of weighted sums, in offsets from `position` so the
    /// spread keeps its digits far into a long series.
    static func estimate(_ y: [Double], window: Int, degree: Int, at position: Int, left: Int, right: Int) -> Double? {
        let n = y.count
        var h = Double(max(position - left, right - position))
        if window > n { h += Double((window - n) / 2) }
        let h9 = 0.999 * h, h1 = 0.001 * h
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, sy = 0.0, suy = 0.0
        for j in left...right {
            let u = Double(j - position)
            let r = abs(u)
            guard r <= h9 else { continue }
            let w: Double
            if r <= h1 {
                w = 1
            } else {
                let q = r / h
                let c = 1 - q * q * q
                w = c * c * c
            }
            let value = y[j - 1]
            s0 += w
            s1 += w * u
            s2 += w * u * u
            sy += w * value
            suy += w * u * value
        }
        guard s0 > 0 else { return nil }
        let level = sy / s0
        guard h > 0 && degree > 0 else { return level }
        let mean = s1 / s0
        let spread = s2 / s0 - mean * mean
        guard spread > 0, spread.squareRoot() > 0.001 * Double(n - 1) else { return level }
        return level - mean / spread * (suy / s0 - mean * level)
    }
}
