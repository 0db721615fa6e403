import Forecast
import Optimizer

/// Every content's predictor and what it has seen, as one value: counts go in once per
/// interval, forecasts come out. Choices that search or compare models keep the counts
/// until they have enough, then settle on a concrete model and replay them. Pure. It is
/// derived from the counts: a restarted loop rebuilds it with `choose(_:for:history:)`.
public struct DemandBook: Sendable {
    /// One content's predictor.
    public struct Entry: Sendable {
        public var choice: ModelChoice
        /// Nil until the choice has settled on a model.
        public var predictor: LivePredictor?
        /// Counts kept while the choice has not settled.
        public var pending: [Double] = []
        /// The model in use and why it was chosen.
        public var model: String?
        public var observed = 0
    }

    public private(set) var entries: [String: Entry]

    public init(choices: [String: ModelChoice]) {
        entries = choices.mapValues { Entry(choice: $0) }
    }

    /// Takes one interval's lookups per content (a content with no lookups counts zero).
    public mutating func observe(_ lookups: [String: Int]) {
        // Walks the storage by index and updates each value in place: iterating `keys` while
        // mutating would copy the whole table every interval.
        var index = entries.startIndex
        while index != entries.endIndex {
            let content = entries.keys[index]
            entries.values[index].observe(Double(lookups[content] ?? 0))
            entries.formIndex(after: &index)
        }
    }

    /// Changes a content's choice (a new one starts from the counts the old one kept).
    public mutating func choose(_ choice: ModelChoice, for content: String, history: [Double]) {
        var entry = Entry(choice: choice)
        for count in history { entry.observe(count) }
        entries[content] = entry
    }

    /// Forecasts for the next `horizon` intervals of every content whose model has settled.
    public func forecasts(horizon: Int) -> [ContentForecast] {
        entries.compactMap { content, entry -> ContentForecast? in
            guard let predictor = entry.predictor else { return nil }
            let steps = predictor.forecast(horizon: horizon).map { ContentForecast.Step(mean: max(0, $0.mean), standardError: $0.standardError) }
            return ContentForecast(content: content, steps: steps)
        }
    }
}

extension DemandBook.Entry {
    mutating func observe(_ count: Double) {
        observed += 1
        if predictor != nil {
            // Counts are whole and non-negative: the predictor cannot refuse them.
            try? predictor?.observe(count)
            return
        }
        pending.append(count)
        guard pending.count >= choice.trainingNeeded else { return }
        let (method, reason) = Self.settle(choice, on: pending)
        guard var fresh = try? LivePredictor(method: method) else { return }
        for value in pending { try? fresh.observe(value) }
        predictor = fresh
        model = reason
        pending = []
    }

    /// The concrete model for `choice` given the counts so far, and a sentence saying why.
    static func settle(_ choice: ModelChoice, on series: [Double]) -> (LivePredictor.Method, String) {
        switch choice {
        case .ema(let span):
            return (.ema(span: span), "EMA(n=\(span)), as configured")
        case .sarima(let order):
            return (.sarima(order), "SARIMA\(order), as configured")
        case .searchedSARIMA(let period):
            return searched(series, period: period)
        case .auto(let period):
            let (searchedMethod, _) = searched(series, period: period)
            var candidates: [(LivePredictor.Method, ModelSpec)] = [(.ema(span: 3), .ema(span: 3))]
            if let naive = try? SARIMAOrder(p: 0, d: 0, q: 0, seasonalP: 0, seasonalD: 1, seasonalQ: 0, period: period) {
                candidates.append((.sarima(naive), .sarima(naive)))
            }
            if case .sarima(let order) = searchedMethod { candidates.append((searchedMethod, .sarima(order))) }
            let origins = Backtest.seasonalOrigins(count: series.count, period: period)
            let scored = candidates.compactMap { method, spec -> (LivePredictor.Method, ModelSpec, Double)? in
                guard let score = try? Backtest.evaluate(spec, series: series, horizon: period, origins: origins, seasonalPeriod: period) else { return nil }
                return (method, spec, score.rmse)
            }
            guard let best = scored.min(by: { $0.2 < $1.2 }) else { return (.ema(span: 3), "EMA(n=3): no candidate could be backtested") }
            return (best.0, "\(best.1) by backtest (RMSE \(String(format: "%.2f", best.2)) over \(scored.count) candidates)")
        }
    }

    /// The paper's selection: stepwise over p, q, P, Q with d = D = 1, scored on RMSE;
    /// the seasonal random walk when nothing can be fitted.
    private static func searched(_ series: [Double], period: Int) -> (LivePredictor.Method, String) {
        if let result = try? OrderSelection.stepwise(series, d: 1, seasonalD: 1, period: period, criterion: .rmse), result.best.score.isFinite {
            return (.sarima(result.best.order), "SARIMA\(result.best.order) by stepwise RMSE over \(result.tried.count) orders")
        }
        if let walk = try? SARIMAOrder(p: 0, d: 1, q: 0, seasonalP: 0, seasonalD: 1, seasonalQ: 0, period: period) {
            return (.sarima(walk), "SARIMA\(walk): no searched order could be scored")
        }
        return (.ema(span: 3), "EMA(n=3): no SARIMA order with period \(period)")
    }
}
