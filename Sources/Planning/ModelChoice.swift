import Forecast

/// Which predictor a content gets, as an operator writes it: `ema:3`,
/// `sarima:0,1,0,0,1,0,10` (p,d,q,P,D,Q,m), `sarima-search:10` (the paper's stepwise search
/// on out-of-sample RMSE, with d = D = 1, over the training intervals) or `auto:10` (EMA,
/// seasonal naive SARIMA and the searched SARIMA compared by backtest; needs two seasons).
public enum ModelChoice: Sendable, Hashable, Codable, CustomStringConvertible {
    case ema(span: Int)
    case sarima(SARIMAOrder)
    case searchedSARIMA(period: Int)
    case auto(period: Int)
    /// MSTL over several seasonal periods, e.g. a day and a week of 30-second intervals.
    case mstl(periods: [Int])

    /// The paper's SARIMA(0,1,0)(0,1,0)10, as text.
    public static let paperText = "sarima:0,1,0,0,1,0,10"

    public init(parsing text: String) throws(ModelChoiceError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let numbers = parts.count == 2 ? parts[1].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) } : []
        guard parts.count == 2, !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { throw ModelChoiceError(text: text, reason: Self.syntax) }
        let values = numbers.compactMap { $0 }
        switch (parts[0], values.count) {
        case ("ema", 1):
            guard values[0] >= 1 else { throw ModelChoiceError(text: text, reason: "the EMA span must be at least 1") }
            self = .ema(span: values[0])
        case ("sarima", 7):
            do {
                self = .sarima(try SARIMAOrder(p: values[0], d: values[1], q: values[2], seasonalP: values[3], seasonalD: values[4], seasonalQ: values[5], period: values[6]))
            } catch {
                throw ModelChoiceError(text: text, reason: error.description)
            }
        case ("mstl", _):
            guard values.allSatisfy({ $0 >= 2 }) else { throw ModelChoiceError(text: text, reason: "every MSTL period must be at least 2 intervals") }
            self = .mstl(periods: Array(Set(values)).sorted())
        case ("sarima-search", 1), ("auto", 1):
            guard values[0] >= 2 else { throw ModelChoiceError(text: text, reason: "the season must be at least 2 intervals") }
            self = parts[0] == "auto" ? .auto(period: values[0]) : .searchedSARIMA(period: values[0])
        default:
            throw ModelChoiceError(text: text, reason: Self.syntax)
        }
    }

    private static let syntax = "expected ema:N, sarima:p,d,q,P,D,Q,m, sarima-search:m, auto:m or mstl:m1,m2,…"

    /// Intervals of history the choice needs before it settles on a model: a configured model
    /// starts at once, searching needs a season, comparing by backtest two.
    public var trainingNeeded: Int {
        switch self {
        case .ema, .sarima, .mstl: 1
        case .searchedSARIMA(let period): period + 2
        case .auto(let period): 2 * period + 2
        }
    }

    /// Counts a rebuilt predictor replays (a live one keeps as many); MSTL keeps more
    /// (`countsKept`).
    public static let predictorMemory = 500

    /// Counts its predictor keeps, and so the counts the store keeps and a restart replays:
    /// three cycles of MSTL's longest period, otherwise `Self.predictorMemory`.
    public var countsKept: Int {
        switch self {
        case .mstl(let periods): max(Self.predictorMemory, 3 * (periods.max() ?? 0))
        case .ema, .sarima, .searchedSARIMA, .auto: Self.predictorMemory
        }
    }

    /// Whether settling searches orders or compares models (expensive), rather than taking
    /// the configured one.
    public var searches: Bool {
        switch self {
        case .ema, .sarima, .mstl: false
        case .searchedSARIMA, .auto: true
        }
    }

    /// The season length in intervals, if the choice has one.
    public var season: Int? {
        switch self {
        case .ema: nil
        case .sarima(let order): order.period > 1 ? order.period : nil
        case .searchedSARIMA(let period), .auto(let period): period
        case .mstl(let periods): periods.min()
        }
    }

    public var description: String {
        switch self {
        case .ema(let span): "ema:\(span)"
        case .sarima(let o): "sarima:\(o.p),\(o.d),\(o.q),\(o.seasonalP),\(o.seasonalD),\(o.seasonalQ),\(o.period)"
        case .searchedSARIMA(let period): "sarima-search:\(period)"
        case .auto(let period): "auto:\(period)"
        case .mstl(let periods): "mstl:\(periods.map(String.init).joined(separator: ","))"
        }
    }
}

/// A model choice that cannot be read, with the text and why.
public struct ModelChoiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "model '\(text)': \(reason)" }
}
