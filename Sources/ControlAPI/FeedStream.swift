import APIServing
import Foundation
import Hummingbird
import NIOCore
import Orchestrator
import ServiceLifecycle

/// `GET /v1/stream`: the feed as server-sent events (`event: NAME` and a JSON `data:` line
/// per message, and a heartbeat comment while quiet), open until the reader leaves or the
/// process shuts down.
struct FeedStream: Sendable {
    let feed: LoopFeed

    /// How often a quiet stream writes a comment, so a reader that left frees its slot.
    var heartbeat: Duration = .seconds(15)

    func response() -> Response {
        let frames = feed.subscribe().map { @Sendable message in try Self.frame(message) }
        let feed = feed
        // A comment first, so the reader knows at once that the stream is open.
        let body = EventStreamBody.make(opening: ": augur feed\n\n", frames: frames, heartbeat: heartbeat)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                try await withGracefulShutdownHandler {
                    try await body.write(writer)
                } onGracefulShutdown: {
                    feed.finish()
                }
            })
    }

    static func frame(_ message: FeedMessage) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data: Data = switch message {
        case .event(let event): try encoder.encode(event)
        case .interval(let interval): try encoder.encode(["interval": interval])
        case .fleet, .action: Data("{}".utf8)
        case .dns(let sample): try encoder.encode(sample)
        }
        return "event: \(message.name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
