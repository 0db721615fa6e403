/// Lag polynomials as coefficient arrays: `[1, a1, a2, …]` is `1 + a1·B + a2·B² + …`.
enum Polynomial {
    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: a.count + b.count - 1)
        for (i, x) in a.enumerated() where x != 0 {
            for (j, y) in b.enumerated() {
                out[i + j] += x * y
            }
        }
        return out
    }

    /// `1 − c1·B^step − c2·B^(2·step) − …` (AR convention: positive coefficients are subtracted).
    static func ar(_ coefficients: [Double], step: Int = 1) -> [Double] {
        var out = [Double](repeating: 0, count: coefficients.count * step + 1)
        out[0] = 1
        for (i, c) in coefficients.enumerated() { out[(i + 1) * step] = -c }
        return out
    }

    /// `1 + c1·B^step + c2·B^(2·step) + …` (MA convention).
    static func ma(_ coefficients: [Double], step: Int = 1) -> [Double] {
        var out = [Double](repeating: 0, count: coefficients.count * step + 1)
        out[0] = 1
        for (i, c) in coefficients.enumerated() { out[(i + 1) * step] = c }
        return out
    }

    /// `(1 − B)^d · (1 − B^m)^D`.
    static func differencing(d: Int, seasonalD: Int, period: Int) -> [Double] {
        var out: [Double] = [1]
        for _ in 0..<d { out = multiply(out, [1, -1]) }
        for _ in 0..<seasonalD { out = multiply(out, ar([1], step: period)) }
        return out
    }
}
