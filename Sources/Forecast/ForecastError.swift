/// Why a series could not be modelled or forecast, with enough context to act on.
public enum ForecastError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptySeries
    case notFinite(index: Int)
    case negativeCount(index: Int, value: Double)
    case tooShort(count: Int, needed: Int, model: String)
    case invalidOrder(String)
    case didNotConverge(model: String, reason: String)

    public var description: String {
        switch self {
        case .emptySeries: return "the series is empty"
        case .notFinite(let index): return "value \(index + 1) is not a finite number"
        case .negativeCount(let index, let value): return "value \(index + 1) is \(value): request counts cannot be negative"
        case .tooShort(let count, let needed, let model): return "\(model) needs at least \(needed) values, the series has \(count)"
        case .invalidOrder(let reason): return "invalid order: \(reason)"
        case .didNotConverge(let model, let reason): return "\(model) did not converge: \(reason)"
        }
    }
}
