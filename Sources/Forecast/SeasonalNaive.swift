/// Tomorrow looks like the same interval one season ago: the baseline every model must beat,
/// and the scale MASE divides by.
public struct SeasonalNaive: Sendable, Hashable, Codable {
    public let period: Int

    public init(period: Int) throws(ForecastError) {
        guard period >= 1 else { throw ForecastError.invalidOrder("seasonal naive needs a period of at least 1, not \(period)") }
        self.period = period
    }

    /// The last season, repeated over `horizon` steps.
    public func forecast(_ series: [Double], horizon: Int) throws(ForecastError) -> [Double] {
        try SeriesCheck.finite(series)
        guard series.count >= period else { throw ForecastError.tooShort(count: series.count, needed: period, model: "seasonal naive (m=\(period))") }
        let lastSeason = series.suffix(period)
        return (0..<max(0, horizon)).map { lastSeason[lastSeason.startIndex + $0 % period] }
    }
}
