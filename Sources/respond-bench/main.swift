// Times `DNSResponder.respond` in process for Scripts/bench-dns: four contents with four
// addresses each, answered (1) plain, (2) with 33 regions placing the client by its source
// address, (3) with the regions and a client subnet option from one of eight zones, nested
// ones among them, echoed with its scope. Rounds alternate the three; the median round's
// nanoseconds per query are printed. Usage: respond-bench [queries per round] [rounds].
import DNSBalancer
import Foundation

let arguments = CommandLine.arguments
let perRound = arguments.count > 1 ? Int(arguments[1]) ?? 2_000_000 : 2_000_000
let rounds = max(1, arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5)
let contents = ["video1", "video5", "video10", "video20"]

/// Four addresses per content, on `node`.
func pools(node: String) -> [ContentPools] {
    contents.enumerated().map { index, name in
        ContentPools(content: name, flavors: [
            FlavorPool(flavor: "nginx", members: (1...4).map { PoolMember(address: [127, 20, UInt8(index), UInt8($0)], node: node) }),
        ])
    }
}

let plainSettings = ZoneSettings(zone: "cdn.example.", ttl: 5, maxRecords: 8, maxUDPPayload: 1232, nameservers: [NameserverSpec(label: "ns1", address: [127, 0, 0, 1])])
var regionalSettings = plainSettings
regionalSettings.regions = (1...32).map { zone in
    RegionSpec(
        name: "zone-\(zone)", clients: [ClientNetwork(bytes: [10, UInt8(zone), 0, 0], length: 16)] + (zone <= 8 ? [ClientNetwork(bytes: [10, UInt8(zone), 5, 0], length: 24)] : []),
        edges: ["edge-a"])
} + [RegionSpec(name: "local", clients: [ClientNetwork(bytes: [127, 0, 0, 0], length: 8)], edges: ["edge-a"])]
regionalSettings.core = "core"

/// An A query for `name` with EDNS, and with a client subnet option for `subnet` (three bytes, /24) if given.
func query(_ name: String, subnet: [UInt8]?) -> [UInt8] {
    var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]
    for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
    bytes += [0, 0, 1, 0, 1, 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0]
    guard let subnet else { return bytes + [0, 0] }
    let option: [UInt8] = [0, 8, 0, 7, 0, 1, 24, 0] + subnet
    return bytes + [0, UInt8(option.count)] + option
}

let plainQueries = contents.map { query("\($0).cdn.example", subnet: nil) }
// Eight zones' clients, each asking for every content; in the nested zones both inside and beside the /24.
let subnetQueries = (1...8).flatMap { zone in contents.map { query("\($0).cdn.example", subnet: [10, UInt8(zone), zone % 2 == 0 ? 5 : 2]) } }

guard let plain = try? DNSPools(settings: plainSettings, contents: pools(node: "edge-a")),
      let regional = try? DNSPools(settings: regionalSettings, contents: pools(node: "edge-a"))
else {
    FileHandle.standardError.write(Data("respond-bench: the zones could not be built\n".utf8))
    exit(1)
}

/// Nanoseconds per query over `count` answers of `queries` in turn, from `client`.
func time(_ pools: DNSPools, _ queries: [[UInt8]], client: ClientAddress?, count: Int) -> Double {
    let responder = DNSResponder(pools: pools)
    var out = [UInt8](repeating: 0, count: 1232)
    var written = 0
    let clock = ContinuousClock()
    let started = clock.now
    out.withUnsafeMutableBytes { buffer in
        for index in 0..<count {
            queries[index % queries.count].withUnsafeBytes { raw in
                written &+= responder.respond(to: raw, over: .udp, into: buffer, client: client)
            }
        }
    }
    let elapsed = clock.now - started
    guard written > 0 else { return .nan }
    return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(count)
}

let source = ClientAddress(bytes: [127, 0, 0, 1])
var measured: [String: [Double]] = [:]
for _ in 0..<rounds {
    measured["plain", default: []].append(time(plain, plainQueries, client: source, count: perRound))
    measured["regions", default: []].append(time(regional, plainQueries, client: source, count: perRound))
    measured["regions+ecs", default: []].append(time(regional, subnetQueries, client: source, count: perRound))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let (a, b, c) = (median(measured["plain"] ?? [.nan]), median(measured["regions"] ?? [.nan]), median(measured["regions+ecs"] ?? [.nan]))
print(String(format: "in-process answer: plain %.0f ns/q, regions %.0f ns/q (%+.0f%%), regions with client subnet %.0f ns/q (%+.0f%%)", a, b, (b / a - 1) * 100, c, (c / a - 1) * 100))
