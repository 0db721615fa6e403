import Foundation
import Testing
@testable import augur

/// `augur forecast` as a user runs it, short of the process: the options are parsed and
/// validated, and the report is what gets printed as JSON.
@Suite struct ForecastCommandTests {
    /// "Days" of 12 and "weeks" of 36, a slow drift and noise (a fixed linear congruential
    /// sequence, so every run sees the same series).
    static let series: [Double] = {
        var state: UInt64 = 42
        return (0..<200).map { (t: Int) -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(state >> 11) / Double(1 << 53) * 6 - 3
            let time = Double(t)
            let daily: Double = 20 * sin(2 * Double.pi * time / 12)
            let weekly: Double = t % 36 < 12 ? 10 : 0
            return 100 + daily + weekly + 0.05 * time + noise
        }
    }()

    @Test func mstlNamesItsComponentsAndGivesIntervals() throws {
        let command = try ForecastCommand.parse(["--model", "mstl", "--periods", "12,36", "--horizon", "24"])
        let report = try command.makeReport(Self.series)
        #expect(report.model.hasPrefix("MSTL(12,36) + ETS(A,"))
        #expect(report.components?.seasonalPeriods == [12, 36] && report.components?.skippedPeriods == [])
        #expect(report.forecast.count == 24)
        #expect(report.forecast.allSatisfy { ($0.lower95 ?? .infinity) < $0.mean && $0.mean < ($0.upper95 ?? -.infinity) })
        let json = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["components"] != nil && object["forecast"] != nil)
    }

    @Test func autoWithPeriodsBacktestsMSTLToo() throws {
        let command = try ForecastCommand.parse(["--model", "auto", "--periods", "12,36", "--horizon", "12"])
        let report = try command.makeReport(Self.series)
        #expect(report.backtest?.contains { $0.model == "MSTL(12,36)" } == true)
        #expect(report.backtest?.contains { $0.model.hasPrefix("SARIMA") } == true, "m = 12 is searched")
    }

    @Test func mstlWithoutPeriodsOrWithBadOnesIsRefused() {
        #expect(throws: (any Error).self) { try ForecastCommand.parse(["--model", "mstl"]) }
        #expect(throws: (any Error).self) { try ForecastCommand.parse(["--model", "mstl", "--periods", "1,48"]) }
        #expect(throws: (any Error).self) { try ForecastCommand.parse(["--model", "mstl", "--periods", "day"]) }
    }

    /// The paper's pattern without noise: SARIMA with ARMA terms fits it with σ² = 0 and
    /// forecasts it exactly, and the JSON says so instead of printing an infinite likelihood.
    @Test func anExactlyPeriodicSeriesGetsAnExactForecast() throws {
        let pattern = (0..<40).map { $0 % 10 < 8 ? 100.0 : 20.0 }
        let command = try ForecastCommand.parse(["--order", "1,1,1", "--seasonal", "0,1,1,10", "--horizon", "10"])
        let report = try command.makeReport(pattern)
        #expect(report.forecast.map(\.mean) == (40..<50).map { $0 % 10 < 8 ? 100.0 : 20.0 })
        #expect(report.forecast.allSatisfy { $0.standardError == 0 })
        #expect(report.logLikelihood == nil && report.note?.contains("σ² = 0") == true)
    }
}
