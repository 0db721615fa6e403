import Deadline
import Foundation
import NIOCore
import NIOPosix

/// Polls an instance's tiny object until it answers 200, as the paper's operator does, but
/// every 2 ms instead of every 100 ms: on a refused connection an attempt costs a few
/// microseconds, so readiness is seen within a few milliseconds of the instance serving.
public struct ReadinessProbe: Sendable {
    public var interval: Duration
    /// How long one attempt may wait for an accepted connection to answer.
    public var attemptTimeout: Duration

    public init(interval: Duration = .milliseconds(2), attemptTimeout: Duration = .milliseconds(500)) {
        self.interval = interval
        self.attemptTimeout = attemptTimeout
    }

    /// Returns when the first 200 arrived; throws `EdgeError.neverReady` after `timeout`
    /// and `EdgeError.cancelled` when the task is cancelled.
    public func waitUntilReady(_ spec: InstanceSpec, timeout: Duration) async throws -> Date {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            guard !Task.isCancelled else { throw EdgeError.cancelled(instance: spec.id) }
            if await serves(address: spec.address, port: spec.port, path: spec.readinessPath) { return Date() }
            guard clock.now < deadline else {
                throw EdgeError.neverReady(instance: spec.id, afterSeconds: Double(timeout.components.seconds))
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One attempt: connect, send `GET path`, read the status line.
    public func serves(address: String, port: Int, path: String) async -> Bool {
        let timeout = attemptTimeout
        return await Deadline.race(timeout) { (try? await Self.statusIsOK(address: address, port: port, path: path, timeout: timeout)) ?? false } ?? false
    }

    private static func statusIsOK(address: String, port: Int, path: String, timeout: Duration) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            .connect(host: address, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: \(address)\r\n\r\n"))
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                if received.readableBytes >= 12 { break }
            }
            guard let statusLine = received.getString(at: 0, length: min(12, received.readableBytes)) else { return false }
            return statusLine.hasPrefix("HTTP/1.") && statusLine.hasSuffix(" 200")
        }
    }
}
