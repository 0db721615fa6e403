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

func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return times.sorted()[times.count / 2]
}

func order(_ fixture: Fixture) throws -> SARIMAOrder {
    try SARIMAOrder(p: fixture.order[0], d: fixture.order[1], q: fixture.order[2], seasonalP: fixture.seasonalOrder[0], seasonalD: fixture.seasonalOrder[1], seasonalQ: fixture.seasonalOrder[2], period: fixture.seasonalOrder[3])
}

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
report["airline_seconds"] = try median(15) { airline = try SARIMAModel.fit(air.data, order: airlineOrder) }
report["airline_llf"] = airline.logLikelihood

var fits: [[String: Any]] = []
for fixture in fixtures {
    let o = try order(fixture)
    var model = try SARIMAModel.fit(fixture.data, order: o)
    let seconds = try median(3) { model = try SARIMAModel.fit(fixture.data, order: o) }
    fits.append(["series": fixture.series, "order": "\(o)", "seconds": seconds, "llf": model.logLikelihood, "statsmodels_llf": fixture.llf])
}
report["fits"] = fits

var search = try OrderSelection.stepwise(air.data, d: 1, seasonalD: 1, period: 12, criterion: .aic)
report["search_seconds"] = try median(1) { search = try OrderSelection.stepwise(air.data, d: 1, seasonalD: 1, period: 12, criterion: .aic) }
report["search_order"] = "\(search.best.order)"
report["search_aicc"] = search.best.score
report["search_models"] = search.tried.count + search.failed.count

// One control-loop interval: 100,000 EMA series and 10,000 SARIMA series each take one count.
let pattern: [Double] = (0..<40).map { (t: Int) -> Double in
    let users: Double = t % 10 < 8 ? 100 : 20
    return users + Double((t * 7) % 5)
}
var emas = try [EMA](repeating: EMA(span: 3), count: 100_000)
var trained = try LivePredictor(method: .sarima(SARIMAOrder(p: 0, d: 1, q: 1, seasonalD: 1, seasonalQ: 1, period: 10)), refitEvery: 1_000_000)
for count in pattern { try trained.observe(count) }
var sarimas = [LivePredictor](repeating: trained, count: 10_000)
let next = trained.forecast(horizon: 1)[0].mean
report["live_seconds"] = try median(5) {
    for index in emas.indices { emas[index].update(100) }
    for index in sarimas.indices { try sarimas[index].observe(next) }
}
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
