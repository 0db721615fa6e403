/// One content's predictor in the control loop: it takes one count per interval and keeps a
/// forecast ready. Between refits a SARIMA model is only filtered (one Kalman step per count),
/// so an interval costs microseconds; it is refitted every `refitEvery` counts, or sooner when
/// a count falls outside the model's 99.9 % interval. All of it is Codable, so the
/// orchestrator can save it and a restarted process goes on where it stopped.
/// With `defersRefits`, a due fit is not run inside `observe`: it is left as `refitJob()` for
/// the caller to run elsewhere (the control loop runs it off its actor, so a tick never waits
/// for a fit) and `install`; until then the model in use goes on filtering.
///
/// MSTL keeps several cycles of counts (three of its longest period), decomposes again every
/// `refitEvery` counts (at least an eighth of its shortest period) or as soon as one more
/// period has the two cycles it needs, and between decompositions only updates its remainder
/// model per count. Until its shortest period can be fitted it forecasts by EMA(n=3).
public struct LivePredictor: Sendable, Codable {
    public enum Method: Sendable, Hashable, Codable {
        case ema(span: Int)
        case sarima(SARIMAOrder)
        case mstl(periods: [Int])
    }

    /// What a refit produced.
    public enum Fit: Sendable {
        case sarima(SARIMAModel)
        case mstl(MSTLModel)
    }

    public let method: Method
    public let refitEvery: Int
    /// Counts kept for refitting (the newest `memory`).
    public private(set) var history: [Double] = []
    public let memory: Int
    private var ema: EMA?
    private var model: SARIMAModel?
    private var filter: KalmanFilter?
    private var decomposition: MSTLModel?
    private var sinceRefit = 0
    /// Counts taken in all (the history keeps only the newest `memory`).
    private var observed = 0
    /// Refits so far, and the reason of the last one.
    public private(set) var refits = 0
    public private(set) var lastRefitReason: String?
    public let defersRefits: Bool
    /// Why a fit is due and waits for `install` (with `defersRefits`).
    public private(set) var refitDue: String?

    /// A due fit, as a value that can run anywhere: the method, the counts and why.
    public struct RefitJob: Sendable {
        public let method: Method
        public let history: [Double]
        public let reason: String
        /// The SARIMA parameters in use, where the fit starts.
        public var start: SARIMAParameters?
        /// Counts the predictor had taken when the job was made: those after it are the ones
        /// the fit has not seen.
        public var observedAt = 0

        /// Fits the model (the expensive part); nil when the counts cannot be fitted.
        public func run() -> Fit? {
            switch method {
            case .ema: return nil
            case .sarima(let order): return (try? SARIMAModel.fit(history, order: order, start: start)).map(Fit.sarima)
            case .mstl(let periods): return (try? MSTLModel.fit(history, periods: periods, jumps: periods.contains { $0 > Self.exactPeriod })).map(Fit.mstl)
            }
        }

        /// Periods up to this are decomposed with Loess at every point, as statsforecast does;
        /// longer ones (a day of 30-second counts) evaluate each Loess every tenth of its window.
        static let exactPeriod = 400
    }

    /// MSTL's memory is at least three cycles of its longest period and its cadence at least
    /// an eighth of its shortest; `memory` and `refitEvery` bound both from below.
    public init(method: Method, refitEvery: Int = 10, memory: Int = 500, defersRefits: Bool = false) throws(ForecastError) {
        guard refitEvery >= 1, memory >= 2 else { throw ForecastError.invalidOrder("refitEvery must be ≥ 1 and memory ≥ 2") }
        self.method = method
        self.defersRefits = defersRefits
        switch method {
        case .ema(let span):
            ema = try EMA(span: span)
            self.refitEvery = refitEvery
            self.memory = memory
        case .sarima:
            self.refitEvery = refitEvery
            self.memory = memory
        case .mstl(let periods):
            guard let shortest = periods.min(), let longest = periods.max(), shortest >= 2 else {
                throw ForecastError.invalidOrder("MSTL needs one or more periods of at least 2, not \(periods)")
            }
            ema = try EMA(span: 3)
            self.refitEvery = max(refitEvery, shortest / 8)
            self.memory = max(memory, 3 * longest)
        }
    }

    /// The fitted SARIMA model in use, if any.
    public var sarima: SARIMAModel? { model }

    /// Takes one interval's count.
    public mutating func observe(_ count: Double) throws(ForecastError) {
        guard count.isFinite else { throw ForecastError.notFinite(index: history.count) }
        guard count >= 0 else { throw ForecastError.negativeCount(index: history.count, value: count) }
        history.append(count)
        observed += 1
        if history.count > memory { history.removeFirst(history.count - memory) }
        switch method {
        case .ema:
            ema?.update(count)
        case .mstl(let periods):
            ema?.update(count)
            decomposition?.update(count)
            sinceRefit += 1
            let fittable = periods.filter { 2 * $0 < history.count }.count
            if fittable > (decomposition?.periods.count ?? 0) {
                refit(reason: "\(fittable) of \(periods.count) periods have two cycles")
            } else if decomposition != nil, sinceRefit >= refitEvery {
                refit(reason: "scheduled after \(sinceRefit) counts")
            }
        case .sarima(let order):
            sinceRefit += 1
            if var current = filter {
                // Released first, so the update mutates the filter's buffers in place instead of copying them.
                filter = nil
                let predicted = current.update(count)
                filter = current
                let surprise = abs(count - predicted.mean) > 3.29 * max(predicted.variance, 0).squareRoot()
                if surprise { refit(order, reason: "count \(count) outside the 99.9 % interval") }
                else if sinceRefit >= refitEvery { refit(order, reason: "scheduled after \(sinceRefit) counts") }
            } else if history.count >= Self.firstFitCount(order) {
                refit(order, reason: "first fit")
            }
        }
    }

    /// The forecast for the next `horizon` intervals; until a SARIMA model exists, the last
    /// count; until an MSTL decomposition exists, EMA(n=3).
    public func forecast(horizon: Int) -> [ForecastPoint] {
        if let decomposition { return decomposition.forecast(horizon: horizon) }
        if let ema { return ema.forecast(horizon: horizon).map { ForecastPoint(mean: $0, variance: 0) } }
        if let filter { return filter.forecast(horizon: horizon).map { ForecastPoint(mean: $0.mean, variance: $0.variance) } }
        return Array(repeating: ForecastPoint(mean: history.last ?? 0, variance: 0), count: max(0, horizon))
    }

    private mutating func refit(_ order: SARIMAOrder, reason: String) {
        guard order.parameterCount == 1 else { return refit(reason: reason) }
        sinceRefit = 0
        let sigma2 = max(Self.varianceFloor, innovationVariance(order))
        let fitted = SARIMAModel(order: order, parameters: SARIMAParameters(sigma2: sigma2), logLikelihood: .nan, effectiveObservations: history.count - order.differencingStates, converged: true, iterations: 0)
        // Only σ² changed: the running filter is rescaled rather than run over the history again.
        if let rescaled = filter?.rescaled(sigma2: sigma2) {
            model = fitted
            filter = rescaled
            refits += 1
            lastRefitReason = reason
            return
        }
        adopt(fitted, order: order, reason: reason)
    }

    /// Runs a fit now, or leaves it as `refitJob()` with `defersRefits`.
    private mutating func refit(reason: String) {
        sinceRefit = 0
        if defersRefits {
            refitDue = reason
        } else {
            install(RefitJob(method: method, history: history, reason: reason, start: model?.parameters).run(), reason: reason, late: 0)
        }
    }

    /// What forecasts now, for the record: nil for EMA and SARIMA (their configuration says
    /// it); for MSTL the periods fitted, those still waiting for two cycles, or the EMA it uses
    /// until the first can be fitted.
    public var modelInUse: String? {
        guard case .mstl(let periods) = method else { return nil }
        guard let decomposition else {
            return "EMA(n=3) until MSTL(\(periods.min() ?? 0)) has \(2 * (periods.min() ?? 0) + 1) counts"
        }
        let waiting = decomposition.skippedPeriods.isEmpty ? "" : "; \(decomposition.skippedPeriods.map(String.init).joined(separator: ",")) wait for two cycles"
        return decomposition.description + waiting
    }

    /// The fit that is due, if any (with `defersRefits`).
    public func refitJob() -> RefitJob? {
        guard let refitDue else { return nil }
        return RefitJob(method: method, history: history, reason: refitDue, start: model?.parameters, observedAt: observed)
    }

    /// Takes the result of a `RefitJob`: a converged model replaces the one in use and is
    /// filtered over the counts as they are now (those that came while it was fitted too).
    public mutating func install(_ fitted: Fit?, for job: RefitJob) {
        refitDue = nil
        install(fitted, reason: job.reason, late: max(0, observed - job.observedAt))
    }

    private mutating func install(_ result: Fit?, reason: String, late: Int) {
        // A series that cannot be fitted (yet, or at all), or whose fit did not converge,
        // keeps the model it had.
        switch result {
        case nil:
            return
        case .mstl(var fresh):
            // Counts that came while it was decomposed are taken as updates.
            for value in history.suffix(late) { fresh.update(value) }
            decomposition = fresh
            refits += 1
            lastRefitReason = reason
        case .sarima(let fitted):
            install(fitted, reason: reason)
        }
    }

    private mutating func install(_ fitted: SARIMAModel, reason: String) {
        guard fitted.converged else {
            lastRefitReason = "\(reason): the fit did not converge, the previous model stays"
            return
        }
        adopt(fitted, order: fitted.order, reason: reason)
    }

    private mutating func adopt(_ fitted: SARIMAModel, order: SARIMAOrder, reason: String) {
        // A deterministic fit (σ² = 0) filters with a σ² just above zero: its forecasts stay
        // the exact continuation, and the first count off the pattern is a surprise that refits.
        var parameters = fitted.parameters
        parameters.sigma2 = max(parameters.sigma2, Self.varianceFloor)
        var fresh = KalmanFilter(model: SARIMAStateSpace(order: order, parameters: parameters))
        for value in history { fresh.update(value) }
        model = fitted
        filter = fresh
        refits += 1
        lastRefitReason = reason
    }

    /// The smallest σ² a live filter runs with.
    static let varianceFloor = 1e-9

    /// Counts needed before the first model: enough to estimate the ARMA terms, or, with none
    /// (a seasonal random walk, seasonal naive), just the differencing states, which already
    /// fix the point forecast (σ² then grows from the counts that follow).
    static func firstFitCount(_ order: SARIMAOrder) -> Int {
        order.parameterCount == 1 ? max(1, order.differencingStates) : order.differencingStates + order.parameterCount + 1
    }

    /// σ² of a model with no ARMA terms: the mean square of the differenced counts.
    private func innovationVariance(_ order: SARIMAOrder) -> Double {
        let differenced = SARIMAModel.difference(history, order: order)
        return differenced.isEmpty ? 0 : differenced.reduce(0) { $0 + $1 * $1 } / Double(differenced.count)
    }
}
