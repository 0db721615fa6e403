/// The orders of a SARIMA(p,d,q)(P,D,Q)m model, checked once.
public struct SARIMAOrder: Sendable, Hashable, Codable, CustomStringConvertible {
    public let p: Int, d: Int, q: Int
    public let seasonalP: Int, seasonalD: Int, seasonalQ: Int
    /// The season length m; 0 when there is no seasonal part.
    public let period: Int

    public init(p: Int, d: Int, q: Int, seasonalP: Int = 0, seasonalD: Int = 0, seasonalQ: Int = 0, period: Int = 0) throws(ForecastError) {
        guard [p, d, q, seasonalP, seasonalD, seasonalQ].allSatisfy({ (0...12).contains($0) }) else {
            throw ForecastError.invalidOrder("every order must be 0…12")
        }
        let seasonal = seasonalP + seasonalD + seasonalQ > 0
        if seasonal, period < 2 { throw ForecastError.invalidOrder("seasonal terms need a period m of at least 2, not \(period)") }
        guard period >= 0, period <= 366 else { throw ForecastError.invalidOrder("period must be 0…366") }
        self.p = p
        self.d = d
        self.q = q
        self.seasonalP = seasonalP
        self.seasonalD = seasonalD
        self.seasonalQ = seasonalQ
        self.period = seasonal ? period : 0
    }

    /// States that hold past levels, as statsmodels keeps differencing in the state: d + D·m.
    public var differencingStates: Int { d + seasonalD * period }
    /// The ARMA block's size: max(p + P·m, q + Q·m + 1).
    public var armaStates: Int { max(p + seasonalP * period, q + seasonalQ * period + 1) }
    /// Estimated parameters: AR, MA, seasonal AR, seasonal MA, variance.
    public var parameterCount: Int { p + q + seasonalP + seasonalQ + 1 }

    /// Parameter names in statsmodels' order and spelling.
    public var parameterNames: [String] {
        (1...max(1, p)).prefix(p).map { "ar.L\($0)" }
            + (1...max(1, q)).prefix(q).map { "ma.L\($0)" }
            + (1...max(1, seasonalP)).prefix(seasonalP).map { "ar.S.L\($0 * period)" }
            + (1...max(1, seasonalQ)).prefix(seasonalQ).map { "ma.S.L\($0 * period)" }
            + ["sigma2"]
    }

    public var description: String {
        period > 0 ? "(\(p),\(d),\(q))(\(seasonalP),\(seasonalD),\(seasonalQ))\(period)" : "(\(p),\(d),\(q))"
    }
}
