import ArgumentParser
import Forecast
import Foundation

/// `augur forecast`: fits a model to a series and prints the forecast as JSON.
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Fit EMA, SARIMA, MSTL, Holt-Winters or seasonal naive to a series and forecast it (JSON)."
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case ema, sarima, mstl, holtWinters = "holt-winters", seasonalNaive = "seasonal-naive", auto
    }

    @Argument(help: "The series file (default: standard input).")
    var file: String?

    @Option(help: "CSV column: a header name or a 1-based index (default: one number per line).")
    var column: String?

    @Option(help: "ema, sarima, mstl, holt-winters, seasonal-naive or auto (the best of them by backtest; auto chooses d and D itself, and tries mstl when --periods is given).")
    var model: Method = .sarima

    @Option(help: "MSTL's seasonal periods, e.g. 48,336 (half-hourly counts: a day and a week).")
    var periods: String?

    @Option(help: "SARIMA order p,d,q.")
    var order: String = "0,1,0"

    @Option(help: "Seasonal order P,D,Q,m (m is also the period of Holt-Winters and seasonal naive).")
    var seasonal: String?

    @Option(help: "Search SARIMA orders stepwise by aic (AICc) or rmse (out-of-sample); d and D stay as given.")
    var select: OrderSelection.Criterion?

    @Option(help: "EMA span n.")
    var span: Int = 3

    @Option(help: "Steps to forecast.")
    var horizon: Int = 1

    @Flag(help: "Accept negative values (the default refuses them: request counts cannot be negative).")
    var allowNegative = false

    func validate() throws {
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1") }
        guard span >= 1 else { throw ValidationError("--span must be at least 1") }
        guard parsedOrder != nil else { throw ValidationError("--order '\(order)' is not p,d,q (three whole numbers)") }
        if let seasonal, parsedSeasonal == nil { throw ValidationError("--seasonal '\(seasonal)' is not P,D,Q,m (four whole numbers)") }
        if let periods, parsedPeriods == nil { throw ValidationError("--periods '\(periods)' is not a list of whole numbers of at least 2, e.g. 48,336") }
        if model == .mstl, periods == nil { throw ValidationError("--model mstl needs --periods, e.g. --periods 48,336") }
    }

    func run() throws {
        let text: String
        do {
            if let file {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } else {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
        } catch {
            throw ValidationError("cannot read \(file ?? "standard input"): \(error.localizedDescription)")
        }
        let series = try SeriesInput(text: text, source: file ?? "stdin", column: column, allowNegative: allowNegative).values
        let report = try makeReport(series)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    private var parsedOrder: [Int]? { numbers(order, count: 3) }
    private var parsedSeasonal: [Int]? { seasonal.flatMap { numbers($0, count: 4) } }
    private var parsedPeriods: [Int]? {
        guard let values = periods.map({ $0.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) } }),
              !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 2 }) else { return nil }
        return values.compactMap { $0 }
    }
    /// The season of seasonal naive, Holt-Winters and the backtests: --seasonal's m, else the
    /// shortest of --periods.
    private var period: Int { parsedSeasonal?[3] ?? parsedPeriods?.min() ?? 0 }

    private func numbers(_ text: String, count: Int) -> [Int]? {
        let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.count == count ? values : nil
    }

    private func sarimaOrder() throws -> SARIMAOrder {
        let o = parsedOrder ?? [0, 1, 0]
        let s = parsedSeasonal ?? [0, 0, 0, 0]
        return try SARIMAOrder(p: o[0], d: o[1], q: o[2], seasonalP: s[0], seasonalD: s[1], seasonalQ: s[2], period: s[3])
    }

    func makeReport(_ series: [Double]) throws -> ForecastReport {
        switch model {
        case .ema:
            return try ForecastReport(.ema(span: span), series: series, horizon: horizon)
        case .seasonalNaive:
            return try ForecastReport(.seasonalNaive(period: period), series: series, horizon: horizon)
        case .holtWinters:
            let fitted = try HoltWinters.fit(series, period: period)
            var report = ForecastReport(model: ModelSpec.holtWinters(period: period).description, means: fitted.forecast(horizon: horizon))
            report.parameters = ["alpha": fitted.alpha, "beta": fitted.beta, "gamma": fitted.gamma]
            return report
        case .sarima:
            return try sarimaReport(series)
        case .mstl:
            return ForecastReport(mstl: try MSTLModel.fit(series, periods: parsedPeriods ?? []), horizon: horizon)
        case .auto:
            return try autoReport(series)
        }
    }

    private func sarimaReport(_ series: [Double]) throws -> ForecastReport {
        var order = try sarimaOrder()
        var search: OrderSelection.Result?
        if let select {
            search = try OrderSelection.stepwise(series, d: order.d, seasonalD: order.seasonalD, period: order.period, criterion: select)
            order = search?.best.order ?? order
        }
        let fitted = try SARIMAModel.fit(series, order: order)
        var report = ForecastReport(sarima: fitted, points: fitted.forecast(series, horizon: horizon))
        report.selection = search
        report.fallback = try Self.fallback(for: fitted, series: series, period: period, span: span, horizon: horizon)
        return report
    }

    /// For a fit whose optimiser did not converge: the forecast to use instead (seasonal
    /// naive when a season is known, else EMA), and why. Nil for a converged fit.
    static func fallback(for fitted: SARIMAModel, series: [Double], period: Int, span: Int, horizon: Int) throws -> ForecastReport.Fallback? {
        guard !fitted.converged else { return nil }
        let model = period >= 1 && series.count >= period ? ModelSpec.seasonalNaive(period: period) : ModelSpec.ema(span: span)
        return ForecastReport.Fallback(
            model: model.description,
            reason: "the optimiser did not converge after \(fitted.iterations) iterations; its forecast is not used",
            forecast: try model.forecast(series, horizon: horizon))
    }

    /// Every applicable method, scored by rolling-origin RMSE; the best one forecasts.
    private func autoReport(_ series: [Double]) throws -> ForecastReport {
        let m = period
        var candidates: [ModelSpec] = [.ema(span: span)]
        if m >= 2 {
            candidates += [.seasonalNaive(period: m), .holtWinters(period: m)]
        }
        // With MSTL offered, a season too long for a stepwise SARIMA search (each seasonal AR
        // or MA term adds m states) is left to MSTL.
        let searchesSARIMA = parsedPeriods == nil || m <= OrderSelection.longestSearchedPeriod
        if searchesSARIMA, let chosen = try? Differencing.choose(series, period: m),
           let searched = try? OrderSelection.stepwise(series, d: chosen.d, seasonalD: chosen.seasonalD, period: m, criterion: select ?? .aic) {
            candidates.append(.sarima(searched.best.order))
        }
        if let periods = parsedPeriods { candidates.append(.mstl(periods: periods)) }
        let step = max(1, m)
        let origins = m >= 2 ? Backtest.seasonalOrigins(count: series.count, period: m) : Array(max(1, series.count - 10)..<series.count)
        var scored: [(ModelSpec, BacktestScore)] = []
        for candidate in candidates {
            if let score = try? Backtest.evaluate(candidate, series: series, horizon: step, origins: origins, seasonalPeriod: m) {
                scored.append((candidate, score))
            }
        }
        // The best-scoring model forecasts; a SARIMA whose final fit does not converge is passed over.
        var chosen: ForecastReport?
        for (candidate, _) in scored.sorted(by: { $0.1.rmse < $1.1.rmse }) {
            if case .sarima(let order) = candidate {
                guard let fitted = try? SARIMAModel.fit(series, order: order), fitted.converged else { continue }
                chosen = ForecastReport(sarima: fitted, points: fitted.forecast(series, horizon: horizon))
            } else if case .mstl(let periods) = candidate {
                chosen = ForecastReport(mstl: try MSTLModel.fit(series, periods: periods), horizon: horizon)
            } else {
                chosen = try ForecastReport(candidate, series: series, horizon: horizon)
            }
            break
        }
        guard var report = chosen else {
            throw ValidationError("no model could be backtested on \(series.count) values")
        }
        if !searchesSARIMA {
            report.note = "SARIMA was not searched: its season m = \(m) is over \(OrderSelection.longestSearchedPeriod), where MSTL carries the seasons"
        }
        report.backtest = scored.map { ForecastReport.Scored(model: $0.0.description, rmse: $0.1.rmse, mae: $0.1.mae, mase: $0.1.mase) }
        return report
    }
}

/// What `augur forecast` prints.
struct ForecastReport: Encodable {
    struct Point: Encodable {
        let step: Int
        let mean: Double
        let standardError: Double?
        let lower95: Double?
        let upper95: Double?
    }

    struct Fallback: Encodable {
        let model: String
        let reason: String
        let forecast: [Double]
    }

    /// An MSTL forecast's parts: the seasonal periods fitted (and those too long for the
    /// series so far), and the model of trend plus remainder.
    struct Components: Encodable {
        let seasonalPeriods: [Int]
        let skippedPeriods: [Int]
        let remainder: String

        enum CodingKeys: String, CodingKey {
            case remainder
            case seasonalPeriods = "seasonal_periods"
            case skippedPeriods = "skipped_periods"
        }
    }

    struct Scored: Encodable {
        let model: String
        let rmse: Double
        let mae: Double
        let mase: Double?
    }

    var model: String
    var order: [Int]?
    var seasonalOrder: [Int]?
    var parameters: [String: Double]?
    var logLikelihood: Double?
    var aic: Double?
    var aicc: Double?
    var converged: Bool?
    var forecast: [Point]
    var components: Components?
    var fallback: Fallback?
    var selection: OrderSelection.Result?
    var backtest: [Scored]?
    var note: String?

    init(model: String, means: [Double]) {
        self.model = model
        forecast = means.enumerated().map { Point(step: $0.offset + 1, mean: $0.element, standardError: nil, lower95: nil, upper95: nil) }
    }

    /// The point forecast of `spec` fitted to `series`.
    init(_ spec: ModelSpec, series: [Double], horizon: Int) throws {
        self.init(model: spec.description, means: try spec.forecast(series, horizon: horizon))
    }

    init(sarima: SARIMAModel, points: [ForecastPoint]) {
        let o = sarima.order
        model = "SARIMA\(o)"
        order = [o.p, o.d, o.q]
        seasonalOrder = [o.seasonalP, o.seasonalD, o.seasonalQ, o.period]
        parameters = Dictionary(uniqueKeysWithValues: zip(sarima.parameterNames, sarima.parameters.vector))
        converged = sarima.converged
        if sarima.isDeterministic {
            note = "the series is exactly constant after differencing: σ² = 0, the likelihood is unbounded, and the forecast continues the series exactly (zero-width intervals)"
        } else {
            logLikelihood = sarima.logLikelihood
            aic = sarima.aic
            aicc = sarima.aicc
        }
        forecast = Self.points(points)
    }

    init(mstl: MSTLModel, horizon: Int) {
        model = mstl.description
        components = Components(seasonalPeriods: mstl.periods, skippedPeriods: mstl.skippedPeriods, remainder: mstl.remainder.description)
        parameters = ["alpha": mstl.remainder.alpha, "beta": mstl.remainder.beta, "phi": mstl.remainder.phi, "sigma2": mstl.remainder.sigma2]
        aicc = mstl.remainder.aicc
        forecast = Self.points(mstl.forecast(horizon: horizon))
        if !mstl.skippedPeriods.isEmpty {
            note = "periods \(mstl.skippedPeriods.map(String.init).joined(separator: ",")) need more than two cycles of data: they are not in this forecast"
        }
    }

    static func points(_ points: [ForecastPoint]) -> [Point] {
        points.enumerated().map { Point(step: $0.offset + 1, mean: $0.element.mean, standardError: $0.element.standardError, lower95: $0.element.lower95, upper95: $0.element.upper95) }
    }

    enum CodingKeys: String, CodingKey {
        case model, order, parameters, aic, aicc, converged, forecast, components, fallback, selection, backtest, note
        case seasonalOrder = "seasonal_order"
        case logLikelihood = "log_likelihood"
    }
}

extension OrderSelection.Criterion: ExpressibleByArgument {}
