import AugurModel
import CUDPBatch
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One UDP socket answered by a thread of its own: up to 64 queries per `recvmmsg`, every
/// reply of the burst in one `sendmmsg`, no allocation per query. Measured faster than
/// NIO's datagram channel on the hot path (README, Scripts/bench-dns); Linux only.
/// It is also where lookups are held (`HoldGate`): a held query is kept with its sender and
/// answered on its own once its gate moves or its bound ends.
final class UDPBatchListener: Sendable {
    static let batchSize: UInt32 = 64
    static let queryBufferSize = 4_096
    /// At most this many queries held at once; past it, lookups are answered at once.
    static let heldLimit = 4_096

    let port: Int
    private let socket: Int32
    private let batch: DatagramBatch
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)

    /// Binds a socket that shares `port` with the other workers (SO_REUSEPORT) and makes its
    /// datagram buffers, so that a listener that exists can always start.
    init(endpoint: SocketEndpoint, port: Int, replySize: Int) throws(DNSServerError) {
        guard let batch = DatagramBatch(capacity: Self.batchSize, querySize: Self.queryBufferSize, replySize: replySize) else {
            throw DNSServerError(endpoint: "udp port \(port)", reason: "out of memory for the datagram buffers")
        }
        let family = endpoint.address.isV6 ? AF_INET6 : AF_INET
        let socket = Glibc.socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard socket >= 0 else { throw DNSServerError(endpoint: "udp \(endpoint)", reason: String(cString: strerror(errno))) }
        var on: Int32 = 1
        var buffer: Int32 = 1 << 20
        // Wake up every 100 ms to notice a stop request.
        var wake = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
        var storage = sockaddr_storage()
        let length = SocketAddressing.fill(&storage, address: endpoint.address, port: port)
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw DNSServerError(endpoint: "udp \(SocketEndpoint(address: endpoint.address, port: port))", reason: reason)
        }
        self.socket = socket
        self.batch = batch
        self.port = port
    }

    /// Starts the thread that answers this socket; `stop()` waits for it.
    func start(pools: DNSPools, limiter: ResponseRateLimiter?, logger: Logger) {
        let thread = Thread { [self] in
            serve(responder: DNSResponder(pools: pools, limiter: limiter), limited: limiter != nil, regional: !pools.regions.isEmpty, logger: logger)
            close(socket)
            exited.signal()
        }
        thread.name = "augur-dns-udp"
        thread.start()
    }

    /// Asks the thread to stop and waits until it has closed the socket.
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [exited] in
                exited.wait()
                done.resume()
            }
        }
    }

    /// A query held at its content's gate, with whom to answer.
    private struct HeldQuery {
        var query: [UInt8]
        var peer: sockaddr_storage
        var client: ClientAddress?
        var gate: HoldGate
        var generation: UInt64
        var until: UInt64
    }

    /// `regional`: the zone has regions, so every query's source address is read.
    private func serve(responder: DNSResponder, limited: Bool, regional: Bool, logger: Logger) {
        var held: [HeldQuery] = []
        var reply = [UInt8](repeating: 0, count: batch.replySize)
        while !stopping.load(ordering: .relaxed) {
            // With queries held, wait at most a millisecond for new ones: the held are answered on time.
            if !held.isEmpty {
                var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 1) <= 0 {
                    release(&held, responder: responder, reply: &reply)
                    continue
                }
            }
            let received = batch.receive(from: socket)
            if received < 0 {
                let code = -received
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { continue }
                logger.error("UDP receive failed; this worker stops", metadata: ["dns.port": "\(port)", "error": "\(String(cString: strerror(code)))"])
                return
            }
            let second = limited ? ResponseRateLimiter.currentSecond() : 0
            for index in 0..<UInt32(received) {
                let source = limited ? batch.sourcePrefix(index) : 0
                let client = regional ? batch.client(index) : nil
                batch.answer(index) { query, reply in
                    let written = responder.respond(to: query, over: .udp, source: source, second: second, into: reply, holding: held.count < Self.heldLimit, client: client)
                    if let hold = responder.held, let peer = batch.peer(index) {
                        held.append(HeldQuery(query: Array(query), peer: peer, client: client, gate: hold.gate, generation: hold.generation, until: hold.until))
                    }
                    return written
                }
            }
            batch.send(on: socket)
            if !held.isEmpty { release(&held, responder: responder, reply: &reply) }
        }
    }

    /// Answers every held query whose gate moved or whose bound ended.
    private func release(_ held: inout [HeldQuery], responder: DNSResponder, reply: inout [UInt8]) {
        let now = HoldGate.now()
        held.removeAll { query in
            guard now >= query.until || query.gate.generation != query.generation else { return false }
            let written = query.query.withUnsafeBytes { raw in
                reply.withUnsafeMutableBytes { out in responder.answerHeld(raw, client: query.client, into: out) }
            }
            guard written > 0 else { return true }
            var peer = query.peer
            let length = socklen_t(peer.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
            _ = reply.withUnsafeBytes { bytes in
                withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socket, bytes.baseAddress, written, 0, $0, length) } }
            }
            return true
        }
    }
}

/// Owns the C datagram buffers of one listener. Created by the listener, then used only by
/// its thread, which is why it may cross to that thread.
final class DatagramBatch: @unchecked Sendable {
    private let batch: OpaquePointer
    let replySize: Int

    init?(capacity: UInt32, querySize: Int, replySize: Int) {
        guard let batch = augur_udp_batch_create(capacity, querySize, replySize) else { return nil }
        self.batch = batch
        self.replySize = replySize
    }

    deinit { augur_udp_batch_destroy(batch) }

    /// How many datagrams arrived, or -errno.
    func receive(from socket: Int32) -> Int32 {
        augur_udp_batch_receive(batch, socket)
    }

    /// Lets `respond` write the reply to datagram `index`; a return of 0 sends nothing.
    func answer(_ index: UInt32, _ respond: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int) {
        var queryLength = 0
        var replyCapacity = 0
        guard let query = augur_udp_batch_query(batch, index, &queryLength),
              let reply = augur_udp_batch_reply(batch, index, &replyCapacity) else { return }
        let written = respond(UnsafeRawBufferPointer(start: query, count: queryLength), UnsafeMutableRawBufferPointer(start: reply, count: replyCapacity))
        augur_udp_batch_set_reply_length(batch, index, written)
    }

    /// The address datagram `index` came from.
    func peer(_ index: UInt32) -> sockaddr_storage? {
        augur_udp_batch_peer(batch, index).map { $0.load(as: sockaddr_storage.self) }
    }

    /// The address datagram `index` came from, as the region lookup reads it.
    func client(_ index: UInt32) -> ClientAddress? {
        augur_udp_batch_peer(batch, index).flatMap { ClientAddress(storage: $0) }
    }

    /// The `SourcePrefix` key of the address datagram `index` came from (0 if unknown).
    func sourcePrefix(_ index: UInt32) -> UInt64 {
        augur_udp_batch_peer(batch, index).map { SourcePrefix.key($0) } ?? 0
    }

    func send(on socket: Int32) {
        _ = augur_udp_batch_send(batch, socket)
    }
}

/// sockaddr plumbing for the listeners.
enum SocketAddressing {
    /// Writes `address:port` into `storage` and returns the sockaddr's length.
    static func fill(_ storage: inout sockaddr_storage, address: IPAddress, port: Int) -> socklen_t {
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            switch address {
            case .v4(let value):
                var v4 = sockaddr_in()
                v4.sin_family = sa_family_t(AF_INET)
                v4.sin_port = in_port_t(UInt16(port).bigEndian)
                v4.sin_addr = in_addr(s_addr: value.bigEndian)
                withUnsafeBytes(of: v4) { raw.copyMemory(from: $0) }
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            case .v6:
                var v6 = sockaddr_in6()
                v6.sin6_family = sa_family_t(AF_INET6)
                v6.sin6_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: address.bytes) }
                withUnsafeBytes(of: v6) { raw.copyMemory(from: $0) }
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
        }
    }
}
