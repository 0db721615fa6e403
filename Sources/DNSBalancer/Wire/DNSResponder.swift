/// Answers DNS messages for one worker thread: parses with ldns, looks the name up in the
/// published zone table, counts the lookup, and writes the answer. Hot answers (A/AAAA of
/// a content) are patched templates; every other answer is built by ldns per query.
/// One instance per thread: it caches each content's published answers and is not shared.
public final class DNSResponder {
    public enum Transport: Sendable {
        case udp
        case tcp
    }

    private let pools: DNSPools
    private let limiter: ResponseRateLimiter?
    private let table: ZoneTable
    /// Each content's answers as last read, by slot, with their version.
    private var answers: [(version: UInt64, answers: ContentAnswers)?]
    private var soa: (version: UInt64, record: LDNSRecord)
    /// Set by `respond(…, holding: true)` when it held the query instead of answering: the
    /// gate, its generation then, and until when (monotonic ns). Answer it with `answerHeld`.
    public private(set) var held: (gate: HoldGate, generation: UInt64, until: UInt64)?

    /// `limiter` rate-limits UDP responses per source prefix (nil: none).
    public init(pools: DNSPools, limiter: ResponseRateLimiter? = nil) {
        self.pools = pools
        self.limiter = limiter
        table = pools.table
        answers = Array(repeating: nil, count: pools.slots.count)
        soa = pools.currentSOA()
    }

    /// Writes the response to `raw` into `out` and returns its length; 0 means send nothing.
    /// `out` should hold 65,535 bytes for TCP and the server's maximum UDP payload for UDP.
    /// Over UDP, `source` (a `SourcePrefix` key) at `second` is checked against the rate
    /// limit first: a held-back query is neither counted nor answered in full. With
    /// `holding`, an address lookup its content's gate holds is counted and not answered:
    /// `held` says so, and `answerHeld` answers it later. `client` is the address the query
    /// came from: with regions, where a query without a client subnet is answered for.
    public func respond(
        to raw: UnsafeRawBufferPointer, over transport: Transport, source: UInt64 = 0, second: UInt32 = 0, into out: UnsafeMutableRawBufferPointer,
        holding: Bool = false, client: ClientAddress? = nil
    ) -> Int {
        held = nil
        if transport == .udp, let limiter {
            switch limiter.verdict(for: source, second: second) {
            case .answer: break
            case .slip:
                pools.counters.limited.bump()
                pools.counters.responses.countLimited()
                return Self.truncatedEcho(raw, into: out)
            case .drop:
                pools.counters.limited.bump()
                pools.counters.responses.countLimited()
                return 0
            }
        }
        let parse = QueryParse(raw)
        switch consume parse {
        case .drop:
            return 0
        case .malformed(let id, let opcode, let recursionDesired):
            pools.counters.responses.count(rcode: DNSNumbers.rcodeFormErr)
            do {
                return Self.copy(try LDNSPacket(responseID: id, opcode: opcode, rcode: DNSNumbers.rcodeFormErr, authoritative: false, recursionDesired: recursionDesired, checkingDisabled: false).wire(), into: out)
            } catch {
                return 0
            }
        case .notImplemented(let packet, let id, let opcode, let recursionDesired):
            pools.counters.responses.count(rcode: DNSNumbers.rcodeNotImp)
            do {
                let response = try LDNSPacket(responseID: id, opcode: opcode, rcode: DNSNumbers.rcodeNotImp, authoritative: false, recursionDesired: recursionDesired, checkingDisabled: false)
                switch consume packet {
                case .some(let query) where query.questionCount == 1: response.copyQuestion(from: query)
                default: break
                }
                return Self.copy(try response.wire(), into: out)
            } catch {
                return 0
            }
        case .query(let query, let packet):
            let limit = transport == .tcp ? 65_535 : query.udpLimit(serverMaximum: table.settings.maxUDPPayload)
            return answer(query, packet, raw: raw, limit: limit, into: out, counting: true, holding: holding, client: client)
        }
    }

    /// Answers, over UDP, a query `respond` held (it was counted then) from `client`: with
    /// the pools as they are now.
    public func answerHeld(_ raw: UnsafeRawBufferPointer, client: ClientAddress? = nil, into out: UnsafeMutableRawBufferPointer) -> Int {
        held = nil
        let parse = QueryParse(raw)
        switch consume parse {
        case .query(let query, let packet):
            return answer(
                query, packet, raw: raw, limit: query.udpLimit(serverMaximum: table.settings.maxUDPPayload), into: out, counting: false, holding: false, client: client)
        default:
            return 0
        }
    }

    private func answer(
        _ query: DNSQuery, _ packet: borrowing LDNSPacket, raw: UnsafeRawBufferPointer, limit: Int, into out: UnsafeMutableRawBufferPointer, counting: Bool, holding: Bool,
        client: ClientAddress?
    ) -> Int {
        // Every answer but a content's addresses is the same for every client: scope 0.
        let echo = query.clientSubnet.map { (subnet: $0, scope: 0) }
        if let edns = query.edns, edns.version != 0 {
            return respondSlow(query, packet, rcode: DNSNumbers.rcodeBadVers, limit: limit, into: out, echo: echo)
        }
        guard query.klass == DNSNumbers.classIN else {
            return respondSlow(query, packet, rcode: DNSNumbers.rcodeRefused, authoritative: false, limit: limit, into: out, echo: echo)
        }
        let name = UnsafeRawBufferPointer(rebasing: raw[12..<(12 + query.nameLength)])
        switch table.lookup(name) {
        case .outsideZone:
            return respondSlow(query, packet, rcode: DNSNumbers.rcodeRefused, authoritative: false, limit: limit, into: out, echo: echo)
        case .unknownInZone:
            pools.counters.unknown.bump()
            pools.counters.unknownNames.record(wireName: name)
            return respondSlow(query, packet, rcode: DNSNumbers.rcodeNXDomain, authority: [currentSOA()], limit: limit, into: out, echo: echo)
        case .found(let entry):
            // Where the client is, with regions: the query's subnet when it has a prefix, else its source.
            let location = entry.kind == .content && !pools.regions.isEmpty
                ? (query.clientSubnet.flatMap { $0.sourcePrefix > 0 ? $0.address : nil } ?? client).map(pools.regions.locate) : nil
            if counting {
                for cell in entry.counters { cell.bump() }
                if let region = location?.region { entry.regionCounters[region].bump() }
            }
            // A region's client is held by its region's gate once the loop set it, with the
            // region's count; anyone else by the content's.
            let regional = location?.region.map { entry.regionCounters[$0] }.flatMap { $0.gate?.isSet == true ? $0 : nil }
            if holding, query.type == DNSNumbers.typeA || query.type == DNSNumbers.typeAAAA, let cell = regional ?? entry.counters.first, let gate = cell.gate {
                let generation = gate.generation
                if let until = gate.holdUntil(count: cell.read(), now: HoldGate.now()) {
                    held = (gate, generation, until)
                    return 0
                }
            }
            if query.type == DNSNumbers.typeA || query.type == DNSNumbers.typeAAAA,
               let (addresses, scope) = entry.kind == .content ? contentAnswer(entry, type: query.type, at: location) : fixedAnswer(entry, type: query.type) {
                pools.counters.responses.count(rcode: DNSNumbers.rcodeNoError)
                // A resolver that sent no source prefix asked for an answer good for every client (RFC 7871 §7.1.2).
                return addresses.write(query, from: raw, limit: limit, into: out, echo: query.clientSubnet.map { (subnet: $0, scope: $0.sourcePrefix == 0 ? 0 : scope) })
            }
            switch query.type {
            case DNSNumbers.typeSOA where entry.kind == .apex:
                return respondSlow(query, packet, rcode: DNSNumbers.rcodeNoError, answers: [currentSOA()], authority: table.nameservers, limit: limit, into: out, echo: echo)
            case DNSNumbers.typeNS where entry.kind == .apex:
                return respondSlow(query, packet, rcode: DNSNumbers.rcodeNoError, answers: table.nameservers, additional: table.glue, limit: limit, into: out, echo: echo)
            case DNSNumbers.typeAXFR, DNSNumbers.typeIXFR:
                return respondSlow(query, packet, rcode: DNSNumbers.rcodeRefused, limit: limit, into: out, echo: echo)
            default:
                return respondSlow(query, packet, rcode: DNSNumbers.rcodeNoError, authority: [currentSOA()], limit: limit, into: out, echo: echo)
            }
        }
    }

    /// A content name's answer of `type` as published now (the cached one while its version
    /// stands) for the client's `location`, and the scope it holds for (0 without regions).
    /// A region with no address of the type gets every one.
    private func contentAnswer(_ entry: ZoneTable.Entry, type: UInt16, at location: RegionMap.Location?) -> (AddressAnswer, Int)? {
        let slot = pools.slots[entry.slot]
        let published: ContentAnswers
        if let cached = answers[entry.slot], cached.version == slot.publishedVersion {
            published = cached.answers
        } else {
            let current = slot.current()
            answers[entry.slot] = current
            published = current.answers
        }
        let scope = location?.scope ?? 0
        if let region = location?.region, let answer = published.regional[entry.name][region].answer(type: type, interval: pools.counters.interval) {
            return (answer, scope)
        }
        let everyone = published.names[entry.name]
        return (type == DNSNumbers.typeA ? everyone.a : everyone.aaaa).map { ($0, scope) }
    }

    /// A name server's own address of `type`, the same for every client.
    private func fixedAnswer(_ entry: ZoneTable.Entry, type: UInt16) -> (AddressAnswer, Int)? {
        (type == DNSNumbers.typeA ? entry.fixed?.a : entry.fixed?.aaaa).map { ($0, 0) }
    }

    private func currentSOA() -> LDNSRecord {
        if soa.version != pools.publishedSOAVersion { soa = pools.currentSOA() }
        return soa.record
    }

    /// Builds a response with ldns; if it does not fit in `limit`, sends it truncated (TC, no records).
    private func respondSlow(
        _ query: DNSQuery, _ packet: borrowing LDNSPacket, rcode: Int, authoritative: Bool = true,
        answers: [LDNSRecord] = [], authority: [LDNSRecord] = [], additional: [LDNSRecord] = [],
        limit: Int, into out: UnsafeMutableRawBufferPointer, echo: (subnet: ClientSubnet, scope: Int)? = nil
    ) -> Int {
        pools.counters.responses.count(rcode: rcode)
        let maxUDP = UInt16(table.settings.maxUDPPayload)
        func build(truncated: Bool) throws(LDNSError) -> [UInt8] {
            let response = try LDNSPacket(
                responseID: query.id, opcode: 0, rcode: rcode, authoritative: authoritative,
                recursionDesired: query.recursionDesired, checkingDisabled: query.checkingDisabled, truncated: truncated)
            response.copyQuestion(from: packet)
            if !truncated {
                for record in answers { response.add(record, to: .answer) }
                for record in authority { response.add(record, to: .authority) }
                for record in additional { response.add(record, to: .additional) }
            }
            if let edns = query.edns {
                response.setEDNS(udpSize: maxUDP, extendedRcode: UInt8(rcode >> 4), dnssecOK: edns.dnssecOK)
                if let echo { try response.setEDNSOptions(echo.subnet.echo(scope: echo.scope)) }
            }
            return try response.wire()
        }
        do {
            var wire = try build(truncated: false)
            if wire.count > limit { wire = try build(truncated: true) }
            return Self.copy(wire, into: out)
        } catch {
            return 0
        }
    }

    /// The slip answer: the query's header and question, flagged a truncated authoritative
    /// response with no records, so the client asks again over TCP. Nothing for a message
    /// that is not a well-formed query.
    private static func truncatedEcho(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        let parse = QueryParse(raw)
        let length: Int
        switch consume parse {
        case .query(let query, _): length = 12 + query.nameLength + 4
        default: return 0
        }
        guard raw.count >= length, out.count >= length, let base = out.baseAddress, let source = raw.baseAddress else { return 0 }
        base.copyMemory(from: source, byteCount: length)
        // QR, the query's opcode and RD, AA, TC; no RA, rcode 0, CD echoed; one question, no records.
        out[2] = 0x80 | (raw[2] & 0x79) | 0x04 | 0x02
        out[3] = raw[3] & 0x10
        for index in 4..<12 { out[index] = index == 5 ? 1 : 0 }
        return length
    }

    private static func copy(_ wire: [UInt8], into out: UnsafeMutableRawBufferPointer) -> Int {
        guard wire.count <= out.count else { return 0 }
        out.copyBytes(from: wire)
        return wire.count
    }
}
