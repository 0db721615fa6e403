/// A query that ldns parsed and Augur checked against the raw bytes: exactly one question
/// whose name stands uncompressed at offset 12, at most one OPT, nothing after the records.
struct DNSQuery {
    /// The client's EDNS(0) record.
    struct EDNS {
        let udpSize: UInt16
        let version: UInt8
        let dnssecOK: Bool
    }

    let id: UInt16
    let recursionDesired: Bool
    let checkingDisabled: Bool
    let type: UInt16
    let klass: UInt16
    /// The question name is raw[12 ..< 12 + nameLength].
    let nameLength: Int
    let edns: EDNS?
    /// The client's network, when a resolver sent it (EDNS Client Subnet).
    let clientSubnet: ClientSubnet?

    /// Makes a response template this query's own: ID, RD and CD, and the question name
    /// with the client's letter case (answers point at it by compression).
    func patchHeaderAndQuestion(from raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        out[0] = UInt8(id >> 8)
        out[1] = UInt8(truncatingIfNeeded: id)
        out[2] = (out[2] & ~0x01) | (recursionDesired ? 0x01 : 0)
        out[3] = (out[3] & ~0x10) | (checkingDisabled ? 0x10 : 0)
        if let destination = out.baseAddress, let source = raw.baseAddress {
            (destination + 12).copyMemory(from: source + 12, byteCount: nameLength)
        }
    }

    /// The largest response the client accepts over UDP (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
    func udpLimit(serverMaximum: Int) -> Int {
        guard let edns else { return 512 }
        return min(max(512, Int(edns.udpSize)), serverMaximum)
    }
}

/// The first look at a datagram: drop it, answer FORMERR or NOTIMP, or go on with a query.
enum QueryParse: ~Copyable {
    /// Not a query we may answer (too short for a header, or a response).
    case drop
    /// Malformed: answer FORMERR with this header.
    case malformed(id: UInt16, opcode: UInt8, recursionDesired: Bool)
    /// Not a standard query: answer NOTIMP, with the question if ldns could parse it.
    case notImplemented(LDNSPacket?, id: UInt16, opcode: UInt8, recursionDesired: Bool)
    case query(DNSQuery, LDNSPacket)

    init(_ raw: UnsafeRawBufferPointer) {
        guard raw.count >= 12, raw[2] & 0x80 == 0 else { self = .drop; return }
        let id = UInt16(raw[0]) << 8 | UInt16(raw[1])
        let opcode = (raw[2] >> 3) & 0x0F
        let recursionDesired = raw[2] & 0x01 != 0
        // A query has one question, no answer or authority records and at most one additional
        // (OPT). Checked before ldns sees the bytes: ldns 1.8.3 leaks the options of every OPT
        // record but the last, so a message with several must never reach ldns_wire2pkt.
        func count(_ section: Int) -> Int { Int(raw[4 + 2 * section]) << 8 | Int(raw[5 + 2 * section]) }
        let questions = count(0)
        let shapedLikeAQuery = questions <= 1 && count(1) == 0 && count(2) == 0 && count(3) <= 1
        guard opcode == 0 else {
            self = .notImplemented(shapedLikeAQuery ? try? LDNSPacket(parsing: raw) : nil, id: id, opcode: opcode, recursionDesired: recursionDesired)
            return
        }
        guard shapedLikeAQuery, questions == 1, let packet = try? LDNSPacket(parsing: raw), let question = packet.question,
              Self.isUncompressedName(raw, length: question.nameLength)
        else {
            self = .malformed(id: id, opcode: opcode, recursionDesired: recursionDesired)
            return
        }
        // Nothing may follow the records ldns read (compression only makes them shorter than this bound).
        let edns = packet.edns
        let bound = 12 + question.nameLength + 4 + (edns?.wireLength ?? 0) + packet.otherRecordsUncompressedLength
        guard raw.count <= bound else {
            self = .malformed(id: id, opcode: opcode, recursionDesired: recursionDesired)
            return
        }
        var clientSubnet: ClientSubnet?
        if edns != nil {
            switch packet.withEDNSOptions(ClientSubnet.read) {
            case .absent: break
            case .present(let subnet): clientSubnet = subnet
            case .malformed:
                self = .malformed(id: id, opcode: opcode, recursionDesired: recursionDesired)
                return
            }
        }
        let query = DNSQuery(
            id: id,
            recursionDesired: recursionDesired,
            checkingDisabled: packet.checkingDisabled,
            type: question.type,
            klass: question.klass,
            nameLength: question.nameLength,
            edns: edns.map { DNSQuery.EDNS(udpSize: $0.udpSize, version: $0.version, dnssecOK: $0.dnssecOK) },
            clientSubnet: clientSubnet
        )
        self = .query(query, packet)
    }

    /// Whether raw[12...] holds a name of exactly `length` bytes with no compression pointer.
    private static func isUncompressedName(_ raw: UnsafeRawBufferPointer, length: Int) -> Bool {
        var position = 12
        let end = 12 + length
        while position < end, position < raw.count {
            let label = Int(raw[position])
            if label == 0 { return position + 1 == end }
            if label > 63 { return false }
            position += label + 1
        }
        return false
    }
}
