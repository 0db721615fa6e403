import Forecast
import Optimizer

/// Every content's predictor and what it has seen, as one value: counts go in once per
/// interval, forecasts come out. Choices that search or compare models keep the counts
/// until they have enough, then settle on a concrete model and replay them. Pure. It is
/// derived from the counts: a restarted loop rebuilds it with `choose(_:for:history:)`.
/// With `defersWork`, nothing expensive runs inside `observe`: order searches, backtests
/// and SARIMA fits wait as `work()` for the caller to `perform` elsewhere and `apply`.
public struct DemandBook: Sendable {
    /// An expensive step a content's predictor waits for.
    public enum Work: Sendable {
        /// Settle a searching or comparing choice on these counts.
        case settle(content: String, choice: ModelChoice, series: [Double])
        case refit(content: String, job: LivePredictor.RefitJob)

        public var content: String {
            switch self {
            case .settle(let content, _, _), .refit(let content, _): content
            }
        }

        /// Runs the step (seconds for a search; anywhere, it touches no shared state).
        public func perform() -> WorkResult {
            switch self {
            case .settle(let content, let choice, let series):
                let (method, reason) = Entry.settle(choice, on: series)
                return .settled(content: content, choice: choice, method: method, reason: reason)
            case .refit(let content, let job):
                return .refitted(content: content, job: job, model: job.run())
            }
        }
    }

    /// What `Work.perform` found.
    public enum WorkResult: Sendable {
        case settled(content: String, choice: ModelChoice, method: LivePredictor.Method, reason: String)
        case refitted(content: String, job: LivePredictor.RefitJob, model: LivePredictor.Fit?)
    }

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
        var defersWork = false
        /// The choice has its counts and waits for `Work.settle` (with `defersWork`).
        var settleDue = false

        /// Why the model was chosen and, for MSTL, what forecasts now (the periods fitted so
        /// far, or the EMA it starts with).
        public var modelInUse: String? {
            guard let model else { return nil }
            return predictor?.modelInUse.map { "\(model); now \($0)" } ?? model
        }

        init(choice: ModelChoice, defersWork: Bool) {
            self.choice = choice
            self.defersWork = defersWork
        }
    }

    public private(set) var entries: [String: Entry]
    public let defersWork: Bool

    public init(choices: [String: ModelChoice], defersWork: Bool = false) {
        self.defersWork = defersWork
        entries = choices.mapValues { Entry(choice: $0, defersWork: defersWork) }
    }

    /// The expensive steps due now, one per content at most.
    public func work() -> [Work] {
        entries.compactMap { content, entry -> Work? in
            if entry.predictor == nil, entry.settleDue { return .settle(content: content, choice: entry.choice, series: entry.pending) }
            return entry.predictor?.refitJob().map { .refit(content: content, job: $0) }
        }
    }

    /// Takes a performed step; one that no longer applies (the content's choice changed
    /// meanwhile) is dropped.
    public mutating func apply(_ result: WorkResult) {
        switch result {
        case .settled(let content, let choice, let method, let reason):
            guard var entry = entries[content], entry.predictor == nil, entry.settleDue, entry.choice == choice else { return }
            entry.adopt(method, reason: reason)
            entries[content] = entry
        case .refitted(let content, let job, let model):
            entries[content]?.predictor?.install(model, for: job)
        }
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
        var entry = Entry(choice: choice, defersWork: defersWork)
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
        if defersWork && choice.searches {
            settleDue = true
            return
        }
        let (method, reason) = Self.settle(choice, on: pending)
        adopt(method, reason: reason)
    }

    /// Starts the settled model on every count kept so far.
    mutating func adopt(_ method: LivePredictor.Method, reason: String) {
        guard var fresh = try? LivePredictor(method: method, defersRefits: defersWork) else { return }
        for value in pending { try? fresh.observe(value) }
        predictor = fresh
        model = reason
        pending = []
        settleDue = false
    }

    /// The concrete model for `choice` given the counts so far, and a sentence saying why.
    static func settle(_ choice: ModelChoice, on series: [Double]) -> (LivePredictor.Method, String) {
        switch choice {
        case .ema(let span):
            return (.ema(span: span), "EMA(n=\(span)), as configured")
        case .sarima(let order):
            return (.sarima(order), "SARIMA\(order), as configured")
        case .mstl(let periods):
            return (.mstl(periods: periods), "MSTL(\(periods.map(String.init).joined(separator: ","))), as configured")
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
