/// The paper's exponential moving average predictor:
/// `EMA_t = 2/(n+1)·R_t + (n−1)/(n+1)·EMA_{t−1}`, n = 3 by default.
/// Initialisation: `EMA_0 = R_0` (the first count), so the first forecast is the first count
/// and no invented prior demand leaks into the early forecasts.
public struct EMA: Sendable, Hashable, Codable {
    public let span: Int
    /// The current average: the forecast for the next interval. Nil before the first count.
    public private(set) var level: Double?

    public init(span: Int = 3) throws(ForecastError) {
        guard span >= 1 else { throw ForecastError.invalidOrder("EMA span must be at least 1, not \(span)") }
        self.span = span
    }

    public var alpha: Double { 2 / Double(span + 1) }

    /// Folds one interval's count into the average.
    public mutating func update(_ value: Double) {
        level = level.map { alpha * value + (1 - alpha) * $0 } ?? value
    }

    /// Folds a whole series and returns the one-step-ahead forecast made before each value
    /// (nil for the first, which has no forecast).
    public mutating func update(_ values: [Double]) -> [Double?] {
        values.map { value in
            defer { update(value) }
            return level
        }
    }

    /// The forecast for the next `horizon` intervals: flat at the current level.
    public func forecast(horizon: Int) -> [Double] {
        Array(repeating: level ?? 0, count: max(0, horizon))
    }
}
