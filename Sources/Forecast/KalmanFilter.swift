import Foundation

/// The Kalman filter over a `SARIMAStateSpace`, exploiting its structure (sparse transition,
/// observation without noise) so a step costs O(states · (lags + arma)) instead of O(states³).
/// Initialisation follows statsmodels' SARIMAX default: approximate diffuse (variance 1e6 on its differencing states) for
/// the past levels, the stationary covariance for the ARMA block, and the first `lags`
/// observations left out of the log-likelihood.
struct KalmanFilter: Sendable, Codable {
    static let diffuseVariance = 1e6
    static let logTwoPi = log(2 * Double.pi)

    var model: SARIMAStateSpace
    /// Predicted state a(t|t−1) and its covariance P(t|t−1), row-major.
    private(set) var state: [Double]
    private(set) var covariance: [Double]
    /// Observations filtered so far.
    private(set) var count = 0
    /// Observations in the likelihood, Σ log F and Σ v²/F: enough for the exact and the
    /// σ²-concentrated log-likelihood.
    private(set) var included = 0
    private(set) var sumLogVariance = 0.0
    private(set) var sumScaledSquares = 0.0
    /// Once P stops changing, the gain is constant and only the state is updated.
    private var steady = false
    /// F for the steady P, once computed (`pz` then holds P·Zᵀ for good).
    private var steadyVariance: Double?
    private var scratch: [Double]
    private var scratchT: [Double]
    private var previous: [Double]
    private var filtered: [Double]
    private var pz: [Double]

    init(model: SARIMAStateSpace) {
        self.model = model
        let m = model.states
        state = [Double](repeating: 0, count: m)
        covariance = [Double](repeating: 0, count: m * m)
        let lags = model.lags
        if model.levelPrior.count == lags * lags {
            for i in 0..<lags { for j in 0..<lags { covariance[i * m + j] = model.levelPrior[i * lags + j] } }
        } else {
            for lag in 0..<lags { covariance[lag * m + lag] = Self.diffuseVariance }
        }
        let armaCovariance = model.stationaryARMACovariance()
        for i in 0..<model.arma {
            for j in 0..<model.arma {
                covariance[(model.lags + i) * m + model.lags + j] = armaCovariance[i * model.arma + j]
            }
        }
        scratch = [Double](repeating: 0, count: m * m)
        scratchT = [Double](repeating: 0, count: m * m)
        previous = scratch
        filtered = scratch
        pz = state
    }

    var logLikelihood: Double {
        -0.5 * (Double(included) * Self.logTwoPi + sumLogVariance + sumScaledSquares)
    }

    /// With the filter run at σ² = 1: the log-likelihood maximised over σ², and that σ².
    var concentrated: (logLikelihood: Double, sigma2: Double) {
        let n = Double(max(1, included))
        let sigma2 = sumScaledSquares / n
        return (-0.5 * n * (Self.logTwoPi + 1 + log(sigma2)) - 0.5 * sumLogVariance, sigma2)
    }

    /// Saved: the model and the filter's state; the scratch buffers are made anew.
    enum CodingKeys: String, CodingKey {
        case model, state, covariance, count, included, sumLogVariance, sumScaledSquares, steady
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(SARIMAStateSpace.self, forKey: .model)
        state = try container.decode([Double].self, forKey: .state)
        covariance = try container.decode([Double].self, forKey: .covariance)
        count = try container.decode(Int.self, forKey: .count)
        included = try container.decode(Int.self, forKey: .included)
        sumLogVariance = try container.decode(Double.self, forKey: .sumLogVariance)
        sumScaledSquares = try container.decode(Double.self, forKey: .sumScaledSquares)
        steady = try container.decode(Bool.self, forKey: .steady)
        let m = model.states
        guard state.count == m, covariance.count == m * m else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: "the saved filter's sizes do not match its model"))
        }
        scratch = [Double](repeating: 0, count: m * m)
        scratchT = scratch
        previous = scratch
        filtered = scratch
        pz = state
    }

    /// Multiplies P by `ratio` and adjusts the likelihood sums to match (every F scales too).
    mutating func scale(by ratio: Double) {
        for i in covariance.indices { covariance[i] *= ratio }
        steadyVariance = steadyVariance.map { $0 * ratio }
        for i in pz.indices { pz[i] *= ratio }
        sumLogVariance += Double(included) * log(ratio)
        sumScaledSquares /= ratio
    }

    /// The one-step-ahead prediction of the next observation and its variance.
    var prediction: (mean: Double, variance: Double) {
        var pz = [Double](repeating: 0, count: model.states)
        return Self.predict(model: model, state: state, covariance: covariance, into: &pz)
    }

    /// Filters one observation and returns the prediction it was compared with.
    @discardableResult
    mutating func update(_ y: Double) -> (mean: Double, variance: Double) {
        let m = model.states
        let lags = model.lags
        let forecast: Double
        let f: Double
        if steady, let fixed = steadyVariance {
            forecast = Self.mean(model: model, state: state)
            f = fixed
        } else {
            (forecast, f) = Self.predict(model: model, state: state, covariance: covariance, into: &pz)
            if steady { steadyVariance = f }
        }
        let v = y - forecast
        if count >= lags, f > 0 {
            included += 1
            sumLogVariance += log(f)
            sumScaledSquares += v * v / f
        }
        count += 1
        let gain = f > 0 ? v / f : 0
        for i in 0..<m { state[i] += pz[i] * gain }
        transition(&state)
        guard !steady else { return (forecast, f) }
        let change = lags == 0 ? updateARMACovariance(variance: f) : updateCovariance(variance: f)
        // Converged to machine precision: from here the gain is constant.
        steady = count > lags && change.difference <= 1e-10 * max(1, change.size)
        return (forecast, f)
    }

    /// P ← T (P − pz pzᵀ/F) Tᵀ + σ² R Rᵀ for any layout; returns how far P moved.
    private mutating func updateCovariance(variance f: Double) -> (difference: Double, size: Double) {
        let m = model.states
        for i in 0..<(m * m) { previous[i] = covariance[i] }
        if f > 0 {
            for i in 0..<m {
                let scale = pz[i] / f
                if scale == 0 { continue }
                for j in 0..<m { covariance[i * m + j] -= scale * pz[j] }
            }
        }
        swap(&covariance, &filtered)
        predictCovariance(from: filtered)
        var difference = 0.0
        var size = 0.0
        for i in 0..<(m * m) {
            difference = max(difference, abs(covariance[i] - previous[i]))
            size = max(size, abs(covariance[i]))
        }
        return (difference, size)
    }

    /// The ARMA-only case (no past levels, Z = e₀) in one pass over the upper triangle, the
    /// measurement update folded in: with Pf = P − pz pzᵀ/F,
    /// P'ᵢⱼ = φᵢφⱼPf₀₀ + φᵢPf₀,ⱼ₊₁ + φⱼPfᵢ₊₁,₀ + Pfᵢ₊₁,ⱼ₊₁ + σ²RᵢRⱼ (indices past the block are 0).
    private mutating func updateARMACovariance(variance f: Double) -> (difference: Double, size: Double) {
        let r = model.arma
        let sigma2 = model.sigma2
        let inverseF = f > 0 ? 1 / f : 0
        var difference = 0.0
        var size = 0.0
        covariance.withUnsafeBufferPointer { old in
            pz.withUnsafeBufferPointer { pz in
                model.phi.withUnsafeBufferPointer { phi in
                    model.selection.withUnsafeBufferPointer { selection in
                        scratch.withUnsafeMutableBufferPointer { out in
                            func filtered(_ a: Int, _ b: Int) -> Double { old[a * r + b] - pz[a] * pz[b] * inverseF }
                            let f00 = filtered(0, 0)
                            for i in 0..<r {
                                let phiI = phi[i]
                                let nextI = i + 1 < r
                                let fI0 = nextI ? filtered(i + 1, 0) : 0
                                for j in i..<r {
                                    let nextJ = j + 1 < r
                                    var value = phiI * phi[j] * f00 + sigma2 * selection[i] * selection[j] + phi[j] * fI0
                                    if nextJ { value += phiI * filtered(0, j + 1) }
                                    if nextI && nextJ { value += filtered(i + 1, j + 1) }
                                    out[i * r + j] = value
                                    out[j * r + i] = value
                                    difference = max(difference, abs(value - old[i * r + j]))
                                    size = max(size, abs(value))
                                }
                            }
                        }
                    }
                }
            }
        }
        swap(&covariance, &scratch)
        return (difference, size)
    }

    /// Forecasts `horizon` steps past the last observation: means and variances.
    func forecast(horizon: Int) -> [(mean: Double, variance: Double)] {
        // One step ahead is the prediction the filter already holds: no copy to roll forward.
        if horizon == 1 { return [prediction] }
        var filter = self
        filter.steady = false
        var out: [(mean: Double, variance: Double)] = []
        for _ in 0..<max(0, horizon) {
            out.append(filter.prediction)
            filter.transition(&filter.state)
            let current = filter.covariance
            filter.predictCovariance(from: current)
        }
        return out
    }

    /// Z·a and Z·P·Zᵀ for the noiseless observation row Z = [c, 1, 0…], leaving P·Zᵀ in `pz`.
    private static func predict(model: SARIMAStateSpace, state: [Double], covariance p: [Double], into pz: inout [Double]) -> (mean: Double, variance: Double) {
        let m = model.states
        let lags = model.lags
        for i in 0..<m {
            var sum = p[i * m + lags]
            for (j, c) in model.levelCoefficients.enumerated() { sum += c * p[i * m + j] }
            pz[i] = sum
        }
        var mean = state[lags]
        var variance = pz[lags]
        for (j, c) in model.levelCoefficients.enumerated() {
            mean += c * state[j]
            variance += c * pz[j]
        }
        return (mean, variance)
    }

    /// Z·a alone: the predicted observation.
    private static func mean(model: SARIMAStateSpace, state: [Double]) -> Double {
        var mean = state[model.lags]
        for (j, c) in model.levelCoefficients.enumerated() { mean += c * state[j] }
        return mean
    }

    /// x ← T x, in place (levels shift down, the ARMA block moves up).
    private func transition(_ x: inout [Double]) {
        let lags = model.lags
        let arma0 = x[lags]
        if lags > 0 {
            var level = arma0
            for (j, c) in model.levelCoefficients.enumerated() { level += c * x[j] }
            for j in stride(from: lags - 1, to: 0, by: -1) { x[j] = x[j - 1] }
            x[0] = level
        }
        for i in 0..<model.arma {
            x[lags + i] = model.phi[i] * arma0 + (i + 1 < model.arma ? x[lags + i + 1] : 0)
        }
    }

    /// covariance ← T P Tᵀ + σ² R Rᵀ, using T's structure row by row.
    private mutating func predictCovariance(from p: [Double]) {
        let m = model.states
        transitionRows(p, into: &scratch)
        for i in 0..<m { for j in 0..<m { scratchT[j * m + i] = scratch[i * m + j] } }
        transitionRows(scratchT, into: &covariance)
        let lags = model.lags
        for i in 0..<model.arma where model.selection[i] != 0 {
            for j in 0..<model.arma {
                covariance[(lags + i) * m + lags + j] += model.sigma2 * model.selection[i] * model.selection[j]
            }
        }
    }

    /// out = T · matrix (row-major m×m).
    private func transitionRows(_ matrix: [Double], into out: inout [Double]) {
        let m = model.states
        let lags = model.lags
        matrix.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { o in
                if lags > 0 {
                    for col in 0..<m {
                        var level = a[lags * m + col]
                        for (j, c) in model.levelCoefficients.enumerated() { level += c * a[j * m + col] }
                        o[col] = level
                    }
                    for row in stride(from: lags - 1, to: 0, by: -1) {
                        for col in 0..<m { o[row * m + col] = a[(row - 1) * m + col] }
                    }
                }
                for i in 0..<model.arma {
                    let row = lags + i
                    let phi = model.phi[i]
                    let hasNext = i + 1 < model.arma
                    for col in 0..<m {
                        o[row * m + col] = phi * a[lags * m + col] + (hasNext ? a[(row + 1) * m + col] : 0)
                    }
                }
            }
        }
    }
}
