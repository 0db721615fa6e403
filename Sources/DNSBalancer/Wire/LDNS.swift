import CLDNS

// The only file that touches ldns: every ldns object is owned by a Swift value that
// frees it, every ldns status becomes an `LDNSError`, and no ldns pointer leaves here.

/// An ldns call that failed, with ldns's own description of why.
struct LDNSError: Error, CustomStringConvertible {
    let code: UInt32

    init(_ status: ldns_status) {
        code = status.rawValue
    }

    var description: String {
        guard let text = ldns_get_errorstr_by_id(ldns_status(rawValue: code)) else { return "ldns status \(code)" }
        return String(cString: text)
    }
}

/// DNS numbers Augur uses, named once.
enum DNSNumbers {
    static let typeA: UInt16 = 1
    static let typeNS: UInt16 = 2
    static let typeSOA: UInt16 = 6
    static let typeAAAA: UInt16 = 28
    static let typeIXFR: UInt16 = 251
    static let typeAXFR: UInt16 = 252
    static let classIN: UInt16 = 1

    /// Response codes; BADVERS needs the 8 extended bits of EDNS (RFC 6891 §6.1.3).
    static let rcodeNoError = 0
    static let rcodeFormErr = 1
    static let rcodeServFail = 2
    static let rcodeNXDomain = 3
    static let rcodeNotImp = 4
    static let rcodeRefused = 5
    static let rcodeBadVers = 16
}

/// A resource record built by ldns and kept for cloning into responses.
/// Immutable once built; ldns only reads it when cloning, so sharing across threads is safe.
final class LDNSRecord: @unchecked Sendable {
    fileprivate let pointer: UnsafeMutablePointer<ldns_rr>

    /// Parses one record in presentation format, e.g. "cdn.example. 5 IN SOA …".
    init(presentation text: String) throws(LDNSError) {
        var record: UnsafeMutablePointer<ldns_rr>?
        let status = ldns_rr_new_frm_str(&record, text, 0, nil, nil)
        guard status == LDNS_STATUS_OK, let record else {
            if let record { ldns_rr_free(record) }
            throw LDNSError(status)
        }
        pointer = record
    }

    /// An A (4 bytes) or AAAA (16 bytes) record for `owner`.
    init(owner: LDNSName, ttl: UInt32, address: [UInt8]) throws(LDNSError) {
        guard let record = ldns_rr_new() else { throw LDNSError(LDNS_STATUS_MEM_ERR) }
        let isV6 = address.count == 16
        guard address.count == 4 || isV6,
              let rdata = address.withUnsafeBytes({ ldns_rdf_new_frm_data(isV6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, $0.count, $0.baseAddress) }),
              let name = ldns_rdf_clone(owner.pointer)
        else {
            ldns_rr_free(record)
            throw LDNSError(LDNS_STATUS_MEM_ERR)
        }
        ldns_rr_set_owner(record, name)
        ldns_rr_set_type(record, isV6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A)
        ldns_rr_set_class(record, LDNS_RR_CLASS_IN)
        ldns_rr_set_ttl(record, ttl)
        _ = ldns_rr_push_rdf(record, rdata)
        pointer = record
    }

    deinit { ldns_rr_free(pointer) }
}

/// A domain name in ldns's wire form, owned.
final class LDNSName: @unchecked Sendable {
    fileprivate let pointer: UnsafeMutablePointer<ldns_rdf>

    init(_ text: String) throws(LDNSError) {
        guard let name = ldns_dname_new_frm_str(text) else { throw LDNSError(LDNS_STATUS_DOMAINNAME_UNDERFLOW) }
        pointer = name
    }

    /// The uncompressed wire bytes of the name.
    var wire: [UInt8] {
        let size = ldns_rdf_size(pointer)
        guard let data = ldns_rdf_data(pointer) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    // deep_free: ldns_rdf_free would leave the name bytes behind.
    deinit { ldns_rdf_deep_free(pointer) }
}

/// One DNS message owned by ldns: parsed from the wire, or built as a response and
/// rendered to the wire. Non-copyable, so parsing a query costs no extra allocation.
struct LDNSPacket: ~Copyable {
    private let pointer: UnsafeMutablePointer<ldns_pkt>

    /// Parses `bytes` with `ldns_wire2pkt`.
    init(parsing bytes: UnsafeRawBufferPointer) throws(LDNSError) {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = ldns_wire2pkt(&packet, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        guard status == LDNS_STATUS_OK, let packet else {
            if let packet { ldns_pkt_free(packet) }
            throw LDNSError(status)
        }
        pointer = packet
    }

    /// An empty response: QR set, the given ID, opcode and rcode.
    init(responseID id: UInt16, opcode: UInt8, rcode: Int, authoritative: Bool, recursionDesired: Bool, checkingDisabled: Bool, truncated: Bool = false) throws(LDNSError) {
        guard let packet = ldns_pkt_new() else { throw LDNSError(LDNS_STATUS_MEM_ERR) }
        ldns_pkt_set_id(packet, id)
        ldns_pkt_set_qr(packet, true)
        ldns_pkt_set_opcode(packet, ldns_pkt_opcode(rawValue: UInt32(opcode)))
        ldns_pkt_set_rcode(packet, UInt8(rcode & 0x0F))
        ldns_pkt_set_aa(packet, authoritative)
        ldns_pkt_set_rd(packet, recursionDesired)
        ldns_pkt_set_cd(packet, checkingDisabled)
        ldns_pkt_set_tc(packet, truncated)
        pointer = packet
    }

    /// An empty query: QR clear, the given ID, recursion desired.
    init(queryID id: UInt16) throws(LDNSError) {
        guard let packet = ldns_pkt_new() else { throw LDNSError(LDNS_STATUS_MEM_ERR) }
        ldns_pkt_set_id(packet, id)
        ldns_pkt_set_rd(packet, true)
        pointer = packet
    }

    deinit { ldns_pkt_free(pointer) }

    var id: UInt16 { ldns_pkt_id(pointer) }
    var isResponse: Bool { ldns_pkt_qr(pointer) }
    var truncated: Bool { ldns_pkt_tc(pointer) }
    var rcode: Int { Int(ldns_pkt_get_rcode(pointer).rawValue) }

    /// The addresses of the answer section's A and AAAA records, in order.
    var answerAddresses: [[UInt8]] {
        let list = ldns_pkt_answer(pointer)
        var addresses: [[UInt8]] = []
        for index in 0..<ldns_rr_list_rr_count(list) {
            guard let record = ldns_rr_list_rr(list, index) else { continue }
            let type = ldns_rr_get_type(record)
            guard type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA, let rdata = ldns_rr_rdf(record, 0), let data = ldns_rdf_data(rdata) else { continue }
            addresses.append(Array(UnsafeBufferPointer(start: data, count: ldns_rdf_size(rdata))))
        }
        return addresses
    }

    var checkingDisabled: Bool { ldns_pkt_cd(pointer) }
    var questionCount: Int { Int(ldns_pkt_qdcount(pointer)) }

    /// The first question: wire length of its name, type and class.
    var question: (nameLength: Int, type: UInt16, klass: UInt16)? {
        guard let record = ldns_rr_list_rr(ldns_pkt_question(pointer), 0), let owner = ldns_rr_owner(record) else { return nil }
        return (ldns_rdf_size(owner), UInt16(truncatingIfNeeded: ldns_rr_get_type(record).rawValue), UInt16(truncatingIfNeeded: ldns_rr_get_class(record).rawValue))
    }

    /// The client's EDNS(0) OPT record, if it sent one: advertised size, version, DO bit, and the OPT's wire length.
    var edns: (udpSize: UInt16, version: UInt8, dnssecOK: Bool, wireLength: Int)? {
        guard ldns_pkt_edns(pointer) else { return nil }
        let optionBytes = ldns_pkt_edns_data(pointer).map { ldns_rdf_size($0) } ?? 0
        return (ldns_pkt_edns_udp_size(pointer), ldns_pkt_edns_version(pointer), ldns_pkt_edns_do(pointer), 11 + optionBytes)
    }

    /// Reads the options of the client's OPT record (`code`, `length`, data, …) in place.
    func withEDNSOptions<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        guard let options = ldns_pkt_edns_data(pointer), let data = ldns_rdf_data(options) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: data, count: ldns_rdf_size(options)))
    }

    /// The wire length of every kept non-question record, uncompressed: an upper bound on the bytes they took.
    var otherRecordsUncompressedLength: Int {
        func length(_ list: UnsafeMutablePointer<ldns_rr_list>?) -> Int {
            var total = 0
            for index in 0..<ldns_rr_list_rr_count(list) {
                if let record = ldns_rr_list_rr(list, index) { total += ldns_rr_uncompressed_size(record) }
            }
            return total
        }
        return length(ldns_pkt_answer(pointer)) + length(ldns_pkt_authority(pointer)) + length(ldns_pkt_additional(pointer))
    }

    /// Copies the question of `query` into this response.
    func copyQuestion(from query: borrowing LDNSPacket) {
        guard let record = ldns_rr_list_rr(ldns_pkt_question(query.pointer), 0), let copy = ldns_rr_clone(record) else { return }
        _ = ldns_pkt_push_rr(pointer, LDNS_SECTION_QUESTION, copy)
    }

    /// Adds a question for `name`, type and class IN.
    func addQuestion(name: LDNSName, type: UInt16) throws(LDNSError) {
        guard let record = ldns_rr_new(), let owner = ldns_rdf_clone(name.pointer) else { throw LDNSError(LDNS_STATUS_MEM_ERR) }
        ldns_rr_set_owner(record, owner)
        ldns_rr_set_type(record, ldns_rr_type(rawValue: UInt32(type)))
        ldns_rr_set_class(record, LDNS_RR_CLASS_IN)
        ldns_rr_set_question(record, true)
        _ = ldns_pkt_push_rr(pointer, LDNS_SECTION_QUESTION, record)
    }

    enum Section { case answer, authority, additional }

    func add(_ record: LDNSRecord, to section: Section) {
        guard let copy = ldns_rr_clone(record.pointer) else { return }
        let target: ldns_pkt_section
        switch section {
        case .answer: target = LDNS_SECTION_ANSWER
        case .authority: target = LDNS_SECTION_AUTHORITY
        case .additional: target = LDNS_SECTION_ADDITIONAL
        }
        _ = ldns_pkt_push_rr(pointer, target, copy)
    }

    /// Adds an OPT record advertising `udpSize`, with the extended rcode's upper bits and the DO bit.
    func setEDNS(udpSize: UInt16, extendedRcode: UInt8, dnssecOK: Bool) {
        ldns_pkt_set_edns_udp_size(pointer, udpSize)
        ldns_pkt_set_edns_extended_rcode(pointer, extendedRcode)
        ldns_pkt_set_edns_version(pointer, 0)
        ldns_pkt_set_edns_do(pointer, dnssecOK)
    }

    /// Gives the OPT record these options (`code`, `length`, data, …); the packet owns them.
    func setEDNSOptions(_ options: [UInt8]) throws(LDNSError) {
        guard let rdf = options.withUnsafeBytes({ ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, $0.count, $0.baseAddress) }) else { throw LDNSError(LDNS_STATUS_MEM_ERR) }
        ldns_pkt_set_edns_data(pointer, rdf)
    }

    /// Renders the message with `ldns_pkt2wire`.
    func wire() throws(LDNSError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = ldns_pkt2wire(&buffer, pointer, &size)
        defer { free(buffer) }
        guard status == LDNS_STATUS_OK, let buffer else { throw LDNSError(status) }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }
}
