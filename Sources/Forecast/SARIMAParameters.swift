/// The coefficients of a SARIMA model in statsmodels' conventions:
/// y after differencing follows `φ(B)Φ(B^m) w_t = θ(B)Θ(B^m) ε_t`, ε ~ N(0, σ²).
public struct SARIMAParameters: Sendable, Hashable, Codable {
    public var ar: [Double]
    public var ma: [Double]
    public var seasonalAR: [Double]
    public var seasonalMA: [Double]
    public var sigma2: Double

    public init(ar: [Double] = [], ma: [Double] = [], seasonalAR: [Double] = [], seasonalMA: [Double] = [], sigma2: Double) {
        self.ar = ar
        self.ma = ma
        self.seasonalAR = seasonalAR
        self.seasonalMA = seasonalMA
        self.sigma2 = sigma2
    }

    /// In statsmodels' order: AR, MA, seasonal AR, seasonal MA, σ².
    public var vector: [Double] { ar + ma + seasonalAR + seasonalMA + [sigma2] }

    init(vector: [Double], order: SARIMAOrder) {
        var rest = vector[...]
        func take(_ n: Int) -> [Double] {
            defer { rest = rest.dropFirst(n) }
            return Array(rest.prefix(n))
        }
        ar = take(order.p)
        ma = take(order.q)
        seasonalAR = take(order.seasonalP)
        seasonalMA = take(order.seasonalQ)
        sigma2 = rest.first ?? 1
    }

    /// Stationary AR and invertible MA polynomials: a point the optimiser can start from.
    var isAdmissible: Bool {
        ParameterTransform.isStationary(ar) && ParameterTransform.isStationary(seasonalAR)
            && ParameterTransform.isStationary(ma.map { -$0 }) && ParameterTransform.isStationary(seasonalMA.map { -$0 })
    }

    /// The same coefficients for another order: each group cut or padded with zeros.
    func resized(to order: SARIMAOrder) -> SARIMAParameters {
        func fit(_ values: [Double], _ count: Int) -> [Double] {
            Array(values.prefix(count)) + [Double](repeating: 0, count: max(0, count - values.count))
        }
        return SARIMAParameters(ar: fit(ar, order.p), ma: fit(ma, order.q), seasonalAR: fit(seasonalAR, order.seasonalP), seasonalMA: fit(seasonalMA, order.seasonalQ), sigma2: sigma2)
    }

    /// From the optimiser's unconstrained space: stationary AR, invertible MA, positive σ².
    init(unconstrained x: [Double], order: SARIMAOrder) {
        let raw = SARIMAParameters(vector: x, order: order)
        ar = ParameterTransform.constrainStationary(raw.ar)
        ma = ParameterTransform.constrainStationary(raw.ma).map { -$0 }
        seasonalAR = ParameterTransform.constrainStationary(raw.seasonalAR)
        seasonalMA = ParameterTransform.constrainStationary(raw.seasonalMA).map { -$0 }
        sigma2 = raw.sigma2 * raw.sigma2
    }

    /// Into the optimiser's unconstrained space (inverse of `init(unconstrained:order:)`).
    var unconstrained: [Double] {
        ParameterTransform.unconstrainStationary(ar)
            + ParameterTransform.unconstrainStationary(ma.map { -$0 })
            + ParameterTransform.unconstrainStationary(seasonalAR)
            + ParameterTransform.unconstrainStationary(seasonalMA.map { -$0 })
            + [sigma2.squareRoot()]
    }
}
