/// A SARIMA model as a linear Gaussian state space, laid out for a cheap Kalman filter:
/// the state is `[y(t−1), …, y(t−K), α(t)]`, K = d + D·m past levels (differencing inside
/// the state, as statsmodels does) followed by the ARMA block α in Harvey's form.
/// `y(t) = Σ c_j·y(t−j) + α₀(t)`; `α(t+1) = T_a α(t) + R ε(t)`.
struct SARIMAStateSpace: Sendable, Codable {
    let lags: Int
    let arma: Int
    /// Levels carried by differencing: y(t) − Σ c_j y(t−j) is the ARMA process.
    let levelCoefficients: [Double]
    /// First column of the ARMA transition (AR polynomial, sign folded in), `arma` long.
    let phi: [Double]
    /// The ARMA selection vector `[1, θ*1, …]`, `arma` long.
    let selection: [Double]
    fileprivate(set) var sigma2: Double
    /// The prior covariance of the past levels, `lags × lags`: statsmodels' approximate diffuse
    /// prior (variance 10⁶ on each of its differencing states) mapped onto this layout. Only a
    /// new filter reads it; a restored one carries its own covariance, so it is not saved.
    private(set) var levelPrior: [Double] = []

    var states: Int { lags + arma }

    enum CodingKeys: String, CodingKey {
        case lags, arma, levelCoefficients, phi, selection, sigma2
    }

    init(order: SARIMAOrder, parameters: SARIMAParameters) {
        let difference = Polynomial.differencing(d: order.d, seasonalD: order.seasonalD, period: order.period)
        levelCoefficients = difference.dropFirst().map { -$0 }
        lags = levelCoefficients.count
        arma = order.armaStates
        let arPolynomial = Polynomial.multiply(Polynomial.ar(parameters.ar), Polynomial.ar(parameters.seasonalAR, step: max(1, order.period)))
        let maPolynomial = Polynomial.multiply(Polynomial.ma(parameters.ma), Polynomial.ma(parameters.seasonalMA, step: max(1, order.period)))
        var phi = [Double](repeating: 0, count: arma)
        for (index, value) in arPolynomial.dropFirst().enumerated() where index < arma { phi[index] = -value }
        var selection = [Double](repeating: 0, count: arma)
        for (index, value) in maPolynomial.enumerated() where index < arma { selection[index] = value }
        self.phi = phi
        self.selection = selection
        sigma2 = parameters.sigma2
        levelPrior = Self.levelPrior(order: order, variance: KalmanFilter.diffuseVariance)
    }

    /// statsmodels keeps the levels as `Δⁱ y(t−1)` for i < d, then for each k < D the values
    /// `ΔᵈΔₘᵏ y(t−j)`, j = 1…m, each with prior variance `variance`. Those states are `A·x` for
    /// this layout's `x = [y(t−1), …, y(t−K)]`, so the same prior here is `variance · A⁻¹A⁻ᵀ`.
    /// The approximation is not invariant to the layout (its error scales with the level over
    /// 10⁶), so matching statsmodels' likelihood means matching its layout's prior.
    static func levelPrior(order: SARIMAOrder, variance: Double) -> [Double] {
        let k = order.differencingStates
        guard k > 0 else { return [] }
        var a = [Double](repeating: 0, count: k * k)
        var row = 0
        func addRow(_ polynomial: [Double], lag: Int) {
            for (offset, c) in polynomial.enumerated() where lag + offset < k { a[row * k + lag + offset] += c }
            row += 1
        }
        for i in 0..<order.d { addRow(Polynomial.differencing(d: i, seasonalD: 0, period: order.period), lag: 0) }
        for seasonal in 0..<order.seasonalD {
            let polynomial = Polynomial.differencing(d: order.d, seasonalD: seasonal, period: order.period)
            for j in 0..<order.period { addRow(polynomial, lag: j) }
        }
        guard let inverse = Dense.inverse(a, k) else {
            return (0..<(k * k)).map { $0 / k == $0 % k ? variance : 0 }
        }
        let product = Dense.multiplyTransposed(inverse, inverse, k)
        return product.map { $0 * variance }
    }

    /// The stationary covariance of the ARMA block, P = T_a P T_aᵀ + σ² R Rᵀ. The fixed-point
    /// recursion costs O(n²) a step and is exact after n steps for a pure MA block; when AR
    /// roots near the unit circle make it slow, the doubling algorithm takes over.
    func stationaryARMACovariance() -> [Double] {
        let n = arma
        var covariance = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { covariance[i * n + j] = sigma2 * selection[i] * selection[j] } }
        var next = covariance
        for _ in 0..<(8 * n + 50) {
            var change = 0.0
            var size = 0.0
            for i in 0..<n {
                let below = i + 1 < n ? covariance[(i + 1) * n] : 0
                for j in i..<n {
                    var value = phi[i] * phi[j] * covariance[0] + sigma2 * selection[i] * selection[j] + phi[j] * below
                    if j + 1 < n { value += phi[i] * covariance[j + 1] }
                    if i + 1 < n && j + 1 < n { value += covariance[(i + 1) * n + j + 1] }
                    next[i * n + j] = value
                    next[j * n + i] = value
                    change = max(change, abs(value - covariance[i * n + j]))
                    size = max(size, abs(value))
                }
            }
            swap(&covariance, &next)
            if change <= 1e-15 * max(1, size) { return covariance }
        }
        return doublingCovariance()
    }

    /// The same solution by doubling: after k steps P sums 2^k terms of Σ Aʲ Q Aʲᵀ.
    func doublingCovariance() -> [Double] {
        let n = arma
        var transition = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            transition[i * n] = phi[i]
            if i + 1 < n { transition[i * n + i + 1] = 1 }
        }
        var covariance = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { covariance[i * n + j] = sigma2 * selection[i] * selection[j] } }
        var power = transition
        for _ in 0..<64 {
            let ap = Dense.multiply(power, covariance, n)
            covariance = Dense.add(covariance, Dense.multiplyTransposed(ap, power, n))
            power = Dense.multiply(power, power, n)
            if power.allSatisfy({ abs($0) < 1e-18 }) { break }
        }
        return covariance
    }
}

/// Small dense row-major n×n helpers for the Lyapunov solve.
enum Dense {
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = a[i * n + k]
                if aik == 0 { continue }
                for j in 0..<n { out[i * n + j] += aik * b[k * n + j] }
            }
        }
        return out
    }

    /// a · bᵀ
    static func multiplyTransposed(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += a[i * n + k] * b[j * n + k] }
                out[i * n + j] = sum
            }
        }
        return out
    }

    static func add(_ a: [Double], _ b: [Double]) -> [Double] {
        zip(a, b).map(+)
    }

    /// A⁻¹ by Gauss–Jordan elimination with partial pivoting; nil when A is singular.
    static func inverse(_ a: [Double], _ n: Int) -> [Double]? {
        var left = a
        var right = (0..<(n * n)).map { $0 / n == $0 % n ? 1.0 : 0.0 }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(left[$0 * n + column]) < abs(left[$1 * n + column]) }),
                  abs(left[pivot * n + column]) > 1e-12 else { return nil }
            if pivot != column {
                for j in 0..<n {
                    left.swapAt(pivot * n + j, column * n + j)
                    right.swapAt(pivot * n + j, column * n + j)
                }
            }
            let scale = 1 / left[column * n + column]
            for j in 0..<n {
                left[column * n + j] *= scale
                right[column * n + j] *= scale
            }
            for i in 0..<n where i != column {
                let factor = left[i * n + column]
                if factor == 0 { continue }
                for j in 0..<n {
                    left[i * n + j] -= factor * left[column * n + j]
                    right[i * n + j] -= factor * right[column * n + j]
                }
            }
        }
        return right
    }
}

extension KalmanFilter {
    /// The same filter with innovation variance `sigma2`. Once the diffuse start is past, the
    /// gains are ratios of P and do not depend on σ², so the state stays and only P (and the
    /// likelihood's running sums) scale: a model with no ARMA terms refits in O(states²)
    /// instead of re-filtering its history. Nil while the diffuse start is still running.
    func rescaled(sigma2: Double) -> KalmanFilter? {
        guard count > model.lags, model.sigma2 > 0, sigma2 > 0 else { return nil }
        let ratio = sigma2 / model.sigma2
        var copy = self
        copy.model.sigma2 = sigma2
        copy.scale(by: ratio)
        return copy
    }
}

