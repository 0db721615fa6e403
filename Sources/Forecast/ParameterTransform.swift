import Foundation

/// statsmodels' maps between unconstrained optimiser space and stationary (AR) or
/// invertible (MA) coefficients, through partial autocorrelations (Monahan 1984).
enum ParameterTransform {
    /// Unconstrained values → coefficients of a stationary polynomial (statsmodels `constrain_stationary_univariate`).
    static func constrainStationary(_ unconstrained: [Double]) -> [Double] {
        let n = unconstrained.count
        guard n > 0 else { return [] }
        let r = unconstrained.map { $0 / (1 + $0 * $0).squareRoot() }
        var y = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for k in 0..<n {
            for i in 0..<k {
                y[k][i] = y[k - 1][i] + r[k] * y[k - 1][k - i - 1]
            }
            y[k][k] = r[k]
        }
        return y[n - 1].map { -$0 }
    }

    /// The inverse map (statsmodels `unconstrain_stationary_univariate`).
    static func unconstrainStationary(_ constrained: [Double]) -> [Double] {
        partialAutocorrelations(constrained).map { partial in
            partial / max(1e-300, 1 - partial * partial).squareRoot()
        }
    }

    /// Whether AR-convention coefficients describe a stationary process.
    static func isStationary(_ coefficients: [Double]) -> Bool {
        partialAutocorrelations(coefficients).allSatisfy { abs($0) < 1 }
    }

    /// The partial autocorrelations of stationary coefficients, by the Durbin–Levinson
    /// recursion run backwards; one at or beyond ±1 (or not a number) means not stationary.
    static func partialAutocorrelations(_ constrained: [Double]) -> [Double] {
        let n = constrained.count
        guard n > 0 else { return [] }
        var y = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        y[n - 1] = constrained.map { -$0 }
        for k in stride(from: n - 1, to: 0, by: -1) {
            let denominator = 1 - y[k][k] * y[k][k]
            guard denominator > 0 else { return [Double](repeating: .nan, count: n) }
            for i in 0..<k {
                y[k - 1][i] = (y[k][i] - y[k][k] * y[k][k - i - 1]) / denominator
            }
        }
        return (0..<n).map { y[$0][$0] }
    }
}
