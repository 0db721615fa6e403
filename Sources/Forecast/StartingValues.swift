import Foundation

/// Where a SARIMA search starts, estimated the way statsmodels' `start_params` does: the
/// non-seasonal and the seasonal terms each by conditional least squares on the differenced
/// series, with the residuals of a long autoregression standing in for the innovations of the
/// MA terms (Hannan and Rissanen 1982). A start near the optimum is what lets the search reach
/// it when the optimum sits near the boundary (an AR near 1, a seasonal MA near −1), where the
/// transformed likelihood is too flat to cross from zero. A group whose estimate is not
/// stationary (AR) or not invertible (MA) starts at zero, as in statsmodels.
enum StartingValues {
    static func estimate(_ differenced: [Double], order: SARIMAOrder) -> SARIMAParameters {
        let regular = leastSquares(differenced, ar: order.p, ma: order.q, step: 1)
        let seasonal = leastSquares(differenced, ar: order.seasonalP, ma: order.seasonalQ, step: max(1, order.period))
        let meanSquare = differenced.reduce(0) { $0 + $1 * $1 } / Double(max(1, differenced.count))
        return SARIMAParameters(ar: regular.ar, ma: regular.ma, seasonalAR: seasonal.ar, seasonalMA: seasonal.ma, sigma2: max(meanSquare, 1e-12))
    }

    /// AR coefficients at lags `step…ar·step` and MA coefficients at `step…ma·step`.
    static func leastSquares(_ w: [Double], ar: Int, ma: Int, step: Int) -> (ar: [Double], ma: [Double]) {
        let zeros = ([Double](repeating: 0, count: ar), [Double](repeating: 0, count: ma))
        guard ar + ma > 0 else { return zeros }
        var residuals = [Double](repeating: 0, count: w.count)
        var burn = 0
        if ma > 0 {
            // The long autoregression: long enough to whiten, short enough to leave data.
            let long = max(ar + ma, min(10, w.count / (4 * step)))
            burn = long * step
            guard let coefficients = regression(w, from: burn, lags: [(w, step, long)]) else { return zeros }
            for t in burn..<w.count {
                residuals[t] = w[t] - (0..<long).reduce(0) { $0 + coefficients[$1] * w[t - ($1 + 1) * step] }
            }
        }
        let start = burn + max(ar, ma) * step
        guard let coefficients = regression(w, from: start, lags: [(w, step, ar), (residuals, step, ma)]) else { return zeros }
        let arPart = Array(coefficients.prefix(ar))
        let maPart = Array(coefficients.suffix(ma))
        return (ParameterTransform.isStationary(arPart) ? arPart : zeros.0,
                ParameterTransform.isStationary(maPart.map { -$0 }) ? maPart : zeros.1)
    }

    /// Ordinary least squares of `w[t]`, t ≥ `start`, on the listed lags of each regressor
    /// series (`count` lags, `step` apart); nil with too few rows or a singular design.
    private static func regression(_ w: [Double], from start: Int, lags: [(series: [Double], step: Int, count: Int)]) -> [Double]? {
        let columns = lags.reduce(0) { $0 + $1.count }
        guard columns > 0, w.count - start > 2 * columns else { return nil }
        var normal = [Double](repeating: 0, count: columns * columns)
        var moment = [Double](repeating: 0, count: columns)
        var row = [Double](repeating: 0, count: columns)
        for t in start..<w.count {
            var index = 0
            for regressor in lags {
                for lag in 0..<regressor.count {
                    row[index] = regressor.series[t - (lag + 1) * regressor.step]
                    index += 1
                }
            }
            for i in 0..<columns {
                moment[i] += row[i] * w[t]
                for j in 0..<columns { normal[i * columns + j] += row[i] * row[j] }
            }
        }
        guard let inverse = Dense.inverse(normal, columns) else { return nil }
        return (0..<columns).map { i in (0..<columns).reduce(0) { $0 + inverse[i * columns + $1] * moment[$1] } }
    }
}
