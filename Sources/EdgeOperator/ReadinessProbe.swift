import Deadline
import EdgeWire
import Foundation
import NIOCore
import NIOPosix

/// Polls an instance's tiny object until it answers 200, as the paper's operator does, but
/// every 2 ms instead of every 100 ms: on a refused connection an attempt costs a few
/// microseconds, so readiness is seen within a few milliseconds of the instance serving.
/// Then it asks for the first byte of the content's own object (`/CONTENT`): ready means
/// the object is served, and an instance whose object answers an error (a file its server
/// cannot read) fails at once instead of failing every user.
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
            if await serves(address: spec.address, port: spec.port, path: spec.readinessPath) {
                let object = "/\(spec.content)"
                switch await status(address: spec.address, port: spec.port, path: object, firstByteOnly: true) {
                case 200, 206: return Date()
                case let code? where code >= 400: throw EdgeError.objectNotServed(instance: spec.id, path: object, status: code)
                default: break
                }
            }
            guard clock.now < deadline else {
                throw EdgeError.neverReady(instance: spec.id, afterSeconds: Double(timeout.components.seconds))
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One attempt: connect, send `GET path`, read the status line.
    public func serves(address: String, port: Int, path: String) async -> Bool {
        await status(address: address, port: port, path: path) == 200
    }

    /// One attempt's HTTP status; nil when nothing answered in time.
    func status(address: String, port: Int, path: String, firstByteOnly: Bool = false) async -> Int? {
        let timeout = attemptTimeout
        return await Deadline.race(timeout) { try? await Self.status(address: address, port: port, path: path, firstByteOnly: firstByteOnly, timeout: timeout) } ?? nil
    }

    private static func status(address: String, port: Int, path: String, firstByteOnly: Bool, timeout: Duration) async throws -> Int? {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            .connect(host: address, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let range = firstByteOnly ? "Range: bytes=0-0\r\n" : ""
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: \(address)\r\n\(range)\r\n"))
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                if received.readableBytes >= 12 { break }
            }
            guard let statusLine = received.getString(at: 0, length: min(12, received.readableBytes)), statusLine.hasPrefix("HTTP/1."), statusLine.count == 12 else {
                return nil
            }
            return Int(statusLine.suffix(3))
        }
    }
}
