/// Stepwise search over SARIMA orders in the manner of Hyndman and Khandakar (2008): start
/// from four models, then move p, q, P, Q by one while the score improves. d and D are
/// given. The score is AICc (fit quality) or out-of-sample RMSE (the paper's validation).
public enum OrderSelection {
    public enum Criterion: String, Sendable, CaseIterable, Codable {
        case aic
        case rmse
    }

    public struct Candidate: Sendable, Hashable, Codable {
        public let order: SARIMAOrder
        /// AICc or RMSE: lower is better.
        public let score: Double
    }

    public struct Result: Sendable, Hashable, Codable {
        public let best: Candidate
        /// Every order that could be scored, best first.
        public let tried: [Candidate]
        /// Orders that could not be fitted or scored on this series.
        public let failed: [SARIMAOrder]
    }

    /// The longest season `augur forecast --model auto` searches SARIMA orders for when MSTL
    /// is offered: every seasonal term costs m states, and a stepwise search fits dozens.
    public static let longestSearchedPeriod = 24

    /// The search space, by default that of R's `auto.arima` and statsforecast's `AutoARIMA`:
    /// p, q ≤ 5, P, Q ≤ 2, and p + q + P + Q ≤ 5.
    public struct Limits: Sendable, Hashable {
        public var p = 5, q = 5, seasonalP = 2, seasonalQ = 2, total = 5

        public init() {}
    }

    public static func stepwise(_ series: [Double], d: Int, seasonalD: Int, period: Int, criterion: Criterion, limits: Limits = Limits()) throws(ForecastError) -> Result {
        try SeriesCheck.finite(series)
        let seasonal = period >= 2
        var scores: [SARIMAOrder: Double] = [:]
        // By AICc, a neighbour's fit starts from the best model's parameters (a term added
        // starts at zero): the optimum moves little between neighbours.
        var fitted: [SARIMAOrder: SARIMAParameters] = [:]
        func score(_ p: Int, _ q: Int, _ sp: Int, _ sq: Int, near: SARIMAOrder? = nil) -> Candidate? {
            guard (0...limits.p).contains(p), (0...limits.q).contains(q), p + q + sp + sq <= limits.total,
                  (0...(seasonal ? limits.seasonalP : 0)).contains(sp), (0...(seasonal ? limits.seasonalQ : 0)).contains(sq),
                  let order = try? SARIMAOrder(p: p, d: d, q: q, seasonalP: sp, seasonalD: seasonal ? seasonalD : 0, seasonalQ: sq, period: seasonal ? period : 0)
            else { return nil }
            if let known = scores[order] { return Candidate(order: order, score: known) }
            let value: Double
            switch criterion {
            case .aic:
                let start = near.flatMap { fitted[$0] }.map { $0.resized(to: order) }
                let model = try? SARIMAModel.fit(series, order: order, start: start)
                fitted[order] = model?.parameters
                value = model?.aicc ?? .infinity
            case .rmse:
                value = (try? rmse(series, order: order)) ?? .infinity
            }
            scores[order] = value
            return Candidate(order: order, score: value)
        }
        let starts = seasonal ? [(2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)] : [(2, 2, 0, 0), (0, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0)]
        // Ties (every order of a deterministic series scores −∞) go to the fewest parameters.
        guard var best = starts.compactMap({ score($0.0, $0.1, $0.2, $0.3) }).min(by: { ($0.score, $0.order.parameterCount) < ($1.score, $1.order.parameterCount) }),
              best.score < .infinity else {
            throw ForecastError.didNotConverge(model: "order search", reason: "no starting model could be fitted to the series")
        }
        var improved = true
        while improved {
            improved = false
            let o = best.order
            let moves = [(1, 0, 0, 0), (-1, 0, 0, 0), (0, 1, 0, 0), (0, -1, 0, 0), (1, 1, 0, 0), (-1, -1, 0, 0),
                         (0, 0, 1, 0), (0, 0, -1, 0), (0, 0, 0, 1), (0, 0, 0, -1), (0, 0, 1, 1), (0, 0, -1, -1)]
            for move in moves {
                if let candidate = score(o.p + move.0, o.q + move.1, o.seasonalP + move.2, o.seasonalQ + move.3, near: o),
                   candidate.score < best.score - 1e-9 * max(1, abs(best.score)) {
                    best = candidate
                    improved = true
                }
            }
        }
        let tried = scores.filter { $0.value < .infinity }.map { Candidate(order: $0.key, score: $0.value) }.sorted { $0.score < $1.score }
        let failed = scores.filter { !($0.value < .infinity) }.map(\.key).sorted { $0.description < $1.description }
        return Result(best: best, tried: tried, failed: failed)
    }

    /// Out-of-sample RMSE at the last two season boundaries (the paper's validation).
    private static func rmse(_ series: [Double], order: SARIMAOrder) throws(ForecastError) -> Double {
        let period = max(order.period, 1)
        let horizon = order.period >= 2 ? order.period : 1
        let origins = order.period >= 2
            ? Backtest.seasonalOrigins(count: series.count, period: period)
            : Array(stride(from: series.count - 10, to: series.count, by: 1))
        return try Backtest.evaluate(.sarima(order), series: series, horizon: horizon, origins: origins, seasonalPeriod: period).rmse
    }
}
