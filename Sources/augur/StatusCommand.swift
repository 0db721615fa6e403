import ArgumentParser
import AsyncHTTPClient
import ControlAPI
import EdgeOperator
import EdgeWire
import Foundation
import NIOCore
import NIOFoundationCompat
import Orchestrator

/// `augur status`: a live summary of a running `augur serve`, read from its API.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print what a running orchestrator is doing: interval, lookups, forecasts, instances per edge, the latest plan."
    )

    @Option(help: "The orchestrator's API.")
    var api: String = "http://127.0.0.1:7100"

    @Option(help: "The API's bearer token file (reads need it unless the orchestrator runs with --public-read).")
    var tokenFile = ".augur/token"

    @Flag(help: "Print the raw JSON of GET /v1/status.")
    var json = false

    func run() async throws {
        let url = api.hasSuffix("/") ? String(api.dropLast()) : api
        let bytes: ByteBuffer
        do {
            var request = HTTPClientRequest(url: url + "/v1/status")
            if let token = try OperatorToken.existing(tokenFile) { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            guard response.status != .unauthorized else {
                throw ValidationError("\(url) wants the bearer token: pass --token-file (the topology's token_file)")
            }
            guard response.status == .ok else { throw ValidationError("\(url) answered \(response.status.code)") }
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot reach the orchestrator at \(url): \(error)")
        }
        if json {
            print(String(buffer: bytes))
            return
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let status: StatusSummary
        do {
            status = try decoder.decode(StatusSummary.self, from: Data(buffer: bytes))
        } catch {
            throw ValidationError("\(url)/v1/status is not an orchestrator's status: \(error)")
        }
        print(StatusReport(status).text)
    }
}

/// The summary `augur status` prints, as plain text.
struct StatusReport {
    let status: StatusSummary

    init(_ status: StatusSummary) {
        self.status = status
    }

    var text: String {
        var lines: [String] = []
        let phase = status.intervals <= status.trainingIntervals ? "training \(status.intervals)/\(status.trainingIntervals)" : "acting"
        lines.append("intervals closed: \(status.intervals) (\(phase))")
        if let latest = status.latest {
            lines.append("interval \(latest.interval): tick \(String(format: "%.2f", latest.tickMilliseconds)) ms")
            for content in latest.lookups.keys.sorted() {
                let next = latest.forecasts[content]?.first.map { String(format: "%.1f", $0.mean) } ?? "-"
                lines.append("  \(content): \(latest.lookups[content] ?? 0) lookups, forecast \(next)")
            }
            for action in latest.actions {
                lines.append("  \(action.kind.rawValue) \(action.content) \(action.flavor ?? "") on \(action.edge ?? "?"): \(action.outcome.rawValue) — \(action.reason)")
            }
            for unmet in latest.unmet { lines.append("  unmet \(unmet.content): \(unmet.missingInstances) instance(s) — \(unmet.reason)") }
        }
        for edge in status.edges {
            let phases = edge.instances.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let truth = InstanceTruth.allCases.compactMap { label in edge.truth?[label.rawValue].map { "\($0) \(label.phrase)" } }.joined(separator: ", ")
            lines.append("\(edge.edge): \(edge.reachable ? "reachable" : "UNREACHABLE"), \(edge.answered) answered\(phases.isEmpty ? "" : "; " + phases)\(truth.isEmpty ? "" : " (\(truth))")")
            for note in edge.timingNotes ?? [] { lines.append("  \(edge.edge): \(note)") }
        }
        for region in status.regions ?? [] {
            lines.append("region \(region.name) (\(region.edges.joined(separator: ", "))):")
            for demand in region.contents {
                lines.append(String(
                    format: "  %@: %d lookups, %.0f%% of its demand, forecast %.1f; %d instance(s) answered near it, %d lookups an interval",
                    demand.content, demand.lookups, demand.share * 100, demand.forecast, demand.instances, demand.capacity))
            }
        }
        return lines.joined(separator: "\n")
    }
}
