import EdgeLink
import EdgeOperator
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Edges whose SYNs go unanswered (here: a listener whose accept queue is full, which Linux
/// answers by dropping the SYN). Calls to them fail within the connect timeout, and waiting
/// for them holds no thread: a task that needs the cooperative pool keeps running meanwhile.
@Suite struct SilentEdgeTests {
    /// A loopback listener with a full accept queue; closed on deinit.
    final class SilentListener {
        let port: Int
        private var descriptors: [Int32] = []

        init() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard listener >= 0, bound == 0, listen(listener, 0) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            port = Int(UInt16(bigEndian: address.sin_port))
            descriptors.append(listener)
            // Fill the queue without ever accepting.
            for _ in 0..<3 {
                let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                descriptors.append(filler)
            }
        }

        deinit { for descriptor in descriptors { close(descriptor) } }
    }

    actor Ticks {
        private(set) var count = 0
        func tick() { count += 1 }
    }

    /// Eight calls at once to the silent edge (more than the pool has threads), each with the
    /// ticks a 10 ms ticker had made when it ended.
    static func callSilentEdges(port: Int) async -> [(String, Int)] {
        let ticks = Ticks()
        let ticker = Task {
            while !Task.isCancelled {
                await ticks.tick()
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        defer { ticker.cancel() }
        return await withTaskGroup(of: (String, Int).self) { group in
            for index in 0..<8 {
                group.addTask {
                    let client = EdgeClient(edge: "edge-\(index)", baseURL: "http://127.0.0.1:\(port)", token: "t")
                    do {
                        _ = try await client.node()
                        return ("answered", await ticks.count)
                    } catch {
                        return ("\(error)", await ticks.count)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(.timeLimit(.minutes(1))) func silentEdgesFailWithinTheConnectTimeoutAndBlockNoThread() async throws {
        let listener = try SilentListener()
        let port = listener.port
        // Let the fillers' handshakes complete, so the queue is full.
        try await Task.sleep(for: .milliseconds(200))
        // A client that held its thread would hold the pool on every attempt; a pool busy with
        // other tests (many start at once) is busy for a while only, so three attempts are made.
        var attempts: [Int] = []
        for _ in 0..<3 {
            let results = await Self.callSilentEdges(port: port)
            #expect(results.count == 8)
            for (outcome, _) in results {
                #expect(outcome.hasPrefix("edge edge-") && outcome.contains("unreachable"), "\(outcome)")
            }
            // The ticker ran while every call was still waiting for its connection.
            attempts.append(results.map(\.1).min() ?? 0)
            if attempts.last ?? 0 >= 3 { break }
        }
        #expect(attempts.contains { $0 >= 3 }, "the cooperative pool was held: \(attempts) ticks before the first failure, attempt by attempt")
        withExtendedLifetime(listener) {}
    }
}
