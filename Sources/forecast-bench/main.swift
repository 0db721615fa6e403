// Times Augur's forecasting for Scripts/bench-forecast and prints one JSON object.
// Usage: forecast-bench FIXTURES.json
import Forecast
import Foundation

struct Fixture: Decodable {
    let series: String
    let data: [Double]
    let order: [Int]
    let seasonalOrder: [Int]
    let llf: Double
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs { times.append(try seconds(body)) }
    return times.sorted()[times.count / 2]
}

func order(_ fixture: Fixture) throws -> SARIMAOrder {
    try SARIMAOrder(p: fixture.order[0], d: fixture.order[1], q: fixture.order[2], seasonalP: fixture.seasonalOrder[0], seasonalD: fixture.seasonalOrder[1], seasonalQ: fixture.seasonalOrder[2], period: fixture.seasonalOrder[3])
}

/// JSON has no infinity: a deterministic fit's log-likelihood is written as text.
func number(_ value: Double) -> Any { value.isFinite ? value : "\(value)" }

struct File: Decodable { let fixtures: [Fixture] }
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: forecast-bench FIXTURES.json\n".utf8))
    exit(2)
}
let decoder = JSONDecoder()
decoder.keyDecodingStrategy = .convertFromSnakeCase
let fixtures = try decoder.decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))).fixtures
guard let air = fixtures.first(where: { $0.series == "air-passengers-log" && $0.order == [1, 1, 1] }) else {
    FileHandle.standardError.write(Data("no airline fixture\n".utf8))
    exit(2)
}

var report: [String: Any] = [:]
let airlineOrder = try order(air)
var airline = try SARIMAModel.fit(air.data, order: airlineOrder)
// Warm-up, as the peers get theirs (numba compiles statsforecast's on the first call): the
// first fits in a fresh process run about twice as long, on page faults and a cold allocator.
for _ in 0..<15 { airline = try SARIMAModel.fit(air.data, order: airlineOrder) }
report["airline_seconds"] = try median(15) { airline = try SARIMAModel.fit(air.data, order: airlineOrder) }
report["airline_llf"] = airline.logLikelihood

var fits: [[String: Any]] = []
for fixture in fixtures {
    let o = try order(fixture)
    var model = try SARIMAModel.fit(fixture.data, order: o)
    let elapsed = try median(3) { model = try SARIMAModel.fit(fixture.data, order: o) }
    fits.append(["series": fixture.series, "order": "\(o)", "seconds": elapsed, "llf": number(model.logLikelihood), "statsmodels_llf": fixture.llf])
}
report["fits"] = fits

// The order search with the same choices as statsforecast's AutoARIMA and pmdarima's
// auto_arima: d and D chosen from the series (unit-root and seasonal-strength tests), then
// p, q, P, Q stepwise by AICc.
var search: OrderSelection.Result?
report["search_seconds"] = try median(1) {
    let differencing = try Differencing.choose(air.data, period: 12)
    search = try OrderSelection.stepwise(air.data, d: differencing.d, seasonalD: differencing.seasonalD, period: 12, criterion: .aic)
}
report["search_order"] = search.map { "\($0.best.order)" } ?? "-"
report["search_aicc"] = search?.best.score ?? Double.nan
report["search_models"] = search.map { $0.tried.count + $0.failed.count } ?? 0

// Control-loop intervals: 100,000 EMA series and 10,000 SARIMA series each take one count.
// The SARIMA predictors refit at the loop's default cadence (every 10 counts, or sooner on a
// surprise), staggered so a tenth of them refit in each interval, inline: the refits' CPU
// counts in the interval that runs them. Ten intervals cover one whole cadence.
var noise: UInt64 = 7
var counts: [Double] = []
for t in 0..<400 {
    noise = noise &* 6364136223846793005 &+ 1442695040888963407
    let users: Double = t % 10 < 8 ? 100 : 20
    counts.append(users + Double(noise >> 11) / Double(1 << 53) * 8)
}
var live: [[String: Any]] = []
for (name, liveOrder) in [("paper", try SARIMAOrder(p: 0, d: 1, q: 0, seasonalD: 1, period: 10)),
                          ("arma", try SARIMAOrder(p: 1, d: 1, q: 1, seasonalD: 1, seasonalQ: 1, period: 10))] {
    var emas = try [EMA](repeating: EMA(span: 3), count: 100_000)
    var variants: [LivePredictor] = []
    for offset in 0..<10 {
        var predictor = try LivePredictor(method: .sarima(liveOrder))
        for value in counts.prefix(200 + offset) { try predictor.observe(value) }
        variants.append(predictor)
    }
    var sarimas = (0..<10_000).map { variants[$0 % 10] }
    let refitsBefore = sarimas.reduce(0) { $0 + $1.refits }
    var intervals: [Double] = []
    for step in 0..<10 {
        intervals.append(try seconds {
            for index in emas.indices { emas[index].update(100) }
            for index in sarimas.indices { try sarimas[index].observe(counts[210 + index % 10 + step]) }
        })
    }
    live.append(["model": name, "order": "\(liveOrder)", "mean_seconds": intervals.reduce(0, +) / Double(intervals.count),
                 "max_seconds": intervals.max() ?? 0, "refits": sarimas.reduce(0) { $0 + $1.refits } - refitsBefore])
}
report["live"] = live
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
