import Foundation

/// Non-seasonal exponential smoothing with additive errors, ETS(A,N,N), ETS(A,A,N) and
/// ETS(A,Ad,N) in Hyndman's taxonomy, fitted by maximum likelihood with the initial states
/// among the parameters and chosen by AICc. It is what MSTL forecasts the trend plus
/// remainder with, as statsforecast's MSTL does with its `AutoETS(model="ZZN")` (which also
/// tries multiplicative errors; these are not offered here). Once fitted it is filtered one
/// value at a time with its parameters fixed, so the live loop can update it per interval.
public struct ExponentialSmoothing: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Trend: String, Sendable, Hashable, Codable, CaseIterable {
        case none = "N", additive = "A", damped = "Ad"
    }

    public let trend: Trend
    /// Smoothing weights in the error-correction form: l ← l + φb + αe, b ← φb + βe.
    public let alpha: Double
    public let beta: Double
    public let phi: Double
    /// The states after the last value filtered: the forecast's origin.
    public private(set) var level: Double
    public private(set) var slope: Double
    /// The innovation variance (maximum likelihood: SSE / n) and the fit's criteria.
    public let sigma2: Double
    public let logLikelihood: Double
    public let aicc: Double

    public var description: String { "ETS(A,\(trend.rawValue),N)" }

    /// The model of every trend with the lowest AICc.
    public static func select(_ series: [Double]) throws(ForecastError) -> ExponentialSmoothing {
        var best: ExponentialSmoothing?
        for trend in Trend.allCases {
            guard let fitted = try? fit(series, trend: trend) else { continue }
            if best.map({ fitted.aicc < $0.aicc }) ?? true { best = fitted }
        }
        guard let best else { return try fit(series, trend: .none) }
        return best
    }

    /// Fits one trend. The series is scaled to unit mean magnitude while fitting (the
    /// additive model is scale-equivariant), so the optimiser sees weights and states alike.
    public static func fit(_ series: [Double], trend: Trend) throws(ForecastError) -> ExponentialSmoothing {
        try SeriesCheck.finite(series)
        let stateCount = trend == .none ? 1 : 2
        let weightCount = trend == .none ? 1 : trend == .additive ? 2 : 3
        let needed = weightCount + stateCount + 2
        guard series.count >= needed else { throw ForecastError.tooShort(count: series.count, needed: needed, model: "ETS(A,\(trend.rawValue),N)") }
        let scale = max(1e-12, series.reduce(0) { $0 + abs($1) } / Double(series.count))
        let y = series.map { $0 / scale }
        let head = Array(y.prefix(10))
        let (intercept, gradient) = Self.line(head)

        func unpack(_ x: [Double]) -> (alpha: Double, beta: Double, phi: Double, level: Double, slope: Double) {
            let squash = { (v: Double) in 1 / (1 + exp(-v)) }
            let alpha = 1e-4 + (0.9999 - 1e-4) * squash(x[0])
            let beta = trend == .none ? 0 : 1e-4 + (alpha - 1e-4) * squash(x[1])
            let phi = trend == .damped ? 0.8 + 0.18 * squash(x[2]) : trend == .none ? 0 : 1
            return (alpha, beta, phi, x[weightCount], trend == .none ? 0 : x[weightCount + 1])
        }
        let objective = { (x: [Double]) -> Double in
            let p = unpack(x)
            let sse = run(y, alpha: p.alpha, beta: p.beta, phi: p.phi, level: p.level, slope: p.slope).sse
            let value = log(sse / Double(y.count))
            return value.isFinite ? value : .infinity
        }
        let start = [0.0, -1, 1.5].prefix(weightCount) + (trend == .none ? [head.reduce(0, +) / Double(head.count)] : [intercept, gradient])
        let search = QuasiNewton().minimize(objective, from: Array(start))
        let p = unpack(search.x)
        let final = run(y, alpha: p.alpha, beta: p.beta, phi: p.phi, level: p.level, slope: p.slope)
        let n = Double(y.count)
        let sigma2 = final.sse / n * scale * scale
        guard sigma2.isFinite else { throw ForecastError.didNotConverge(model: "ETS(A,\(trend.rawValue),N)", reason: "the errors are not finite") }
        let logLikelihood = -0.5 * n * (log(2 * Double.pi * max(sigma2, 1e-300)) + 1)
        let k = Double(weightCount + stateCount + 1)
        let aicc = n - k - 1 > 0 ? -2 * logLikelihood + 2 * k + 2 * k * (k + 1) / (n - k - 1) : .infinity
        return ExponentialSmoothing(trend: trend, alpha: p.alpha, beta: p.beta, phi: p.phi, level: final.level * scale, slope: final.slope * scale, sigma2: sigma2, logLikelihood: logLikelihood, aicc: aicc)
    }

    /// Filters one more value with the parameters fixed.
    public mutating func update(_ value: Double) {
        _ = Self.step(value, level: &level, slope: &slope, alpha: alpha, beta: beta, phi: phi)
    }

    /// One step of the recursions: the states move past `value`; returns the one-step error.
    private static func step(_ value: Double, level: inout Double, slope: inout Double, alpha: Double, beta: Double, phi: Double) -> Double {
        let damped = phi * slope
        let error = value - (level + damped)
        level += damped + alpha * error
        slope = damped + beta * error
        return error
    }

    /// The next `horizon` values with 95 % intervals: the variance of step h is
    /// σ²·(1 + Σ_{j<h} c_j²), c_j = α + β·(φ + … + φ^j) (Hyndman et al. 2008, class 1).
    public func forecast(horizon: Int) -> [ForecastPoint] {
        var points: [ForecastPoint] = []
        var damping = 0.0
        var power = 1.0
        var spread = 0.0
        for _ in 0..<max(0, horizon) {
            power *= phi
            let mean = level + (damping + power) * slope
            points.append(ForecastPoint(mean: mean, variance: sigma2 * (1 + spread)))
            damping += power
            let c = alpha + beta * damping
            spread += c * c
        }
        return points
    }

    private static func run(_ y: [Double], alpha: Double, beta: Double, phi: Double, level start: Double, slope startSlope: Double) -> (sse: Double, level: Double, slope: Double) {
        var level = start, slope = startSlope, sse = 0.0
        for value in y {
            let error = step(value, level: &level, slope: &slope, alpha: alpha, beta: beta, phi: phi)
            sse += error * error
        }
        return (sse, level, slope)
    }

    /// Least-squares line through `y` at times 1…n: (value at time 0, slope).
    private static func line(_ y: [Double]) -> (Double, Double) {
        let n = Double(y.count)
        let meanT = (n + 1) / 2
        let meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (index, value) in y.enumerated() {
            let t = Double(index + 1) - meanT
            sxy += t * (value - meanY)
            sxx += t * t
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return (meanY - slope * meanT, slope)
    }
}
