/// BFGS minimisation with forward-difference gradients and a backtracking line search:
/// enough for the handful of smooth parameters a SARIMA likelihood has. The objectives it
/// minimises are smooth to about 1e-14 (the SARIMA search runs on the differenced series,
/// away from the diffuse prior's rounding), so a step near √ε is accurate; a point where no
/// descent can be found while the gradient is below `noiseFloor` counts as converged, and so
/// does a step that improves the value by less than `relativeTolerance` (L-BFGS-B's `factr`
/// test as statsmodels runs it, 10⁷·ε): near a boundary of the transformed space the value
/// creeps on while the gradient vanishes, and further steps change nothing that matters.
struct QuasiNewton {
    struct Result {
        var x: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    var maxIterations = 200
    var gradientTolerance = 1e-7
    var noiseFloor = 5e-2
    var relativeTolerance = 1e7 * Double.ulpOfOne

    init(maxIterations: Int = 200) {
        self.maxIterations = maxIterations
    }

    func minimize(_ f: ([Double]) -> Double, from start: [Double]) -> Result {
        let n = start.count
        var x = start
        var value = f(x)
        var gradient = Self.gradient(f, at: x, value: value)
        var inverseHessian = identity(n)
        for iteration in 0..<maxIterations {
            if gradient.map(abs).max() ?? 0 < gradientTolerance {
                return Result(x: x, value: value, iterations: iteration, converged: true)
            }
            var direction = (0..<n).map { i in -(0..<n).reduce(0) { $0 + inverseHessian[i * n + $1] * gradient[$1] } }
            var slope = zip(direction, gradient).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                // Not a descent direction: restart from steepest descent.
                inverseHessian = identity(n)
                direction = gradient.map { -$0 }
                slope = -gradient.reduce(0) { $0 + $1 * $1 }
            }
            var step = 1.0
            var candidate = x
            var candidateValue = Double.infinity
            for _ in 0..<40 {
                candidate = zip(x, direction).map { $0 + step * $1 }
                candidateValue = f(candidate)
                if candidateValue.isFinite && candidateValue <= value + 1e-4 * step * slope { break }
                step *= 0.5
            }
            guard candidateValue.isFinite, candidateValue <= value else {
                return Result(x: x, value: value, iterations: iteration, converged: gradient.map(abs).max() ?? 0 < noiseFloor)
            }
            let newGradient = Self.gradient(f, at: candidate, value: candidateValue)
            let s = zip(candidate, x).map(-)
            let yv = zip(newGradient, gradient).map(-)
            let sy = zip(s, yv).reduce(0) { $0 + $1.0 * $1.1 }
            let improvement = value - candidateValue
            x = candidate
            value = candidateValue
            gradient = newGradient
            if sy > 1e-12 && iteration == 0 {
                // Scale the identity to the curvature just seen before the first update
                // (Nocedal and Wright, eq. 6.20): the next step is then about the right length.
                let yy = yv.reduce(0) { $0 + $1 * $1 }
                if yy > 0 { inverseHessian = identity(n).map { $0 * sy / yy } }
            }
            if sy > 1e-12 {
                let hy = (0..<n).map { i in (0..<n).reduce(0) { $0 + inverseHessian[i * n + $1] * yv[$1] } }
                let yhy = zip(yv, hy).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n {
                    for j in 0..<n {
                        inverseHessian[i * n + j] += ((sy + yhy) * s[i] * s[j]) / (sy * sy) - (hy[i] * s[j] + s[i] * hy[j]) / sy
                    }
                }
            }
            if improvement < 1e-14 * max(1, abs(value)), gradient.map(abs).max() ?? 0 < 1e-5 {
                return Result(x: x, value: value, iterations: iteration + 1, converged: true)
            }
            if improvement <= relativeTolerance * max(1, abs(value), abs(value + improvement)) {
                return Result(x: x, value: value, iterations: iteration + 1, converged: true)
            }
        }
        return Result(x: x, value: value, iterations: maxIterations, converged: false)
    }

    private func identity(_ n: Int) -> [Double] {
        (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 }
    }

    static func gradient(_ f: ([Double]) -> Double, at x: [Double], value: Double) -> [Double] {
        var point = x
        return (0..<x.count).map { i in
            let h = 1e-7 * max(1, abs(x[i]))
            point[i] = x[i] + h
            let up = f(point)
            point[i] = x[i]
            return (up - value) / h
        }
    }
}
