import Hummingbird
import NIOCore

/// A server-sent-events body that also writes a comment frame every `heartbeat` seconds.
/// A stream holds one of the API's few stream slots until its body ends, and on a quiet
/// stream a reader that vanished is only noticed by a write: the heartbeat's write fails, the
/// body ends, and the slot is freed, instead of waiting for the next event.
public enum EventStreamBody {
    public static let heartbeatFrame = ": heartbeat\n\n"

    /// `opening` first, then each of `frames` as it comes (each a whole SSE frame), with a
    /// heartbeat whenever `heartbeat` passes; ends when `frames` does or a write fails.
    public static func make<Frames: AsyncSequence & Sendable>(
        opening: String, frames: Frames, heartbeat: Duration = .seconds(15)
    ) -> ResponseBody where Frames.Element == String {
        ResponseBody { writer in
            let (merged, sink) = AsyncStream.makeStream(of: String.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await frame in frames { sink.yield(frame) }
                    sink.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeat)
                        sink.yield(heartbeatFrame)
                    }
                }
                try await writer.write(ByteBuffer(string: opening))
                for await frame in merged { try await writer.write(ByteBuffer(string: frame)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
    }
}
