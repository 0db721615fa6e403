import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/stream`: the feed as server-sent events (`event: NAME` and a JSON `data:` line
/// per message), open until the reader leaves or the process shuts down.
struct FeedStream: Sendable {
    let feed: LoopFeed

    func response() -> Response {
        let messages = feed.subscribe()
        let feed = feed
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                // A comment first, so the reader knows at once that the stream is open.
                try await writer.write(ByteBuffer(string: ": augur feed\n\n"))
                try await withGracefulShutdownHandler {
                    for await message in messages {
                        try await writer.write(ByteBuffer(string: try Self.frame(message)))
                    }
                } onGracefulShutdown: {
                    feed.finish()
                }
                try await writer.finish(nil)
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
