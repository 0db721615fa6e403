import Synchronization

/// The wire form of an A or AAAA answer for one name with a given number of records,
/// rendered by ldns once and kept: it does not depend on which addresses it carries
/// (every answer patches its own in), so a pool change reuses it and costs no render.
final class AnswerTemplate: Sendable {
    let plain: [UInt8]
    let withOPT: [UInt8]
    let truncatedPlain: [UInt8]
    let truncatedWithOPT: [UInt8]
    /// Where each answer record's address bytes start, in every full template.
    let rdataOffsets: [Int]

    /// The template for `records` records of `type` (A: 4-byte, AAAA: 16-byte addresses).
    init(name: LDNSName, type: UInt16, records: Int, settings: ZoneSettings) throws(LDNSError) {
        let placeholder = [UInt8](repeating: 0, count: type == DNSNumbers.typeAAAA ? 16 : 4)
        func render(records: Int, opt: Bool, truncated: Bool) throws(LDNSError) -> [UInt8] {
            let packet = try LDNSPacket(responseID: 0, opcode: 0, rcode: DNSNumbers.rcodeNoError, authoritative: true, recursionDesired: false, checkingDisabled: false, truncated: truncated)
            try packet.addQuestion(name: name, type: type)
            for _ in 0..<records {
                packet.add(try LDNSRecord(owner: name, ttl: settings.ttl, address: placeholder), to: .answer)
            }
            if opt { packet.setEDNS(udpSize: UInt16(settings.maxUDPPayload), extendedRcode: 0, dnssecOK: false) }
            return try packet.wire()
        }
        plain = try render(records: records, opt: false, truncated: false)
        withOPT = try render(records: records, opt: true, truncated: false)
        truncatedPlain = try render(records: 0, opt: false, truncated: true)
        truncatedWithOPT = try render(records: 0, opt: true, truncated: true)
        rdataOffsets = WireLayout.answerRdataOffsets(plain, answers: records)
    }
}

/// The A or AAAA answer for one name: its template and its addresses, patched in per query
/// with the query's ID, flags and letter case, so a query costs a copy, not a packet build.
/// The order rotates on every query; at most the template's number of records are shown.
final class AddressAnswer: Sendable {
    private let template: AnswerTemplate
    /// All addresses back to back, `width` bytes each.
    private let addresses: [UInt8]
    private let width: Int
    private let count: Int
    private let rotation = Atomic<UInt>(0)

    /// `list` is not empty, every address of the template's width.
    init(template: AnswerTemplate, addresses list: [[UInt8]]) {
        self.template = template
        addresses = list.flatMap { $0 }
        width = list.first?.count ?? 4
        count = list.count
    }

    /// Writes the answer for a query into `out` and returns its length (0 if `out` is too small).
    /// `limit` is the largest message the client accepts; a larger answer goes out truncated (TC).
    /// `echo`: the client subnet option to send back, with its scope (the query had an OPT).
    func write(
        _ query: DNSQuery, from raw: UnsafeRawBufferPointer, limit: Int, into out: UnsafeMutableRawBufferPointer, echo: (subnet: ClientSubnet, scope: Int)? = nil
    ) -> Int {
        let hasOPT = query.edns != nil
        let extra = hasOPT ? echo?.subnet.echoLength ?? 0 : 0
        let full = hasOPT ? template.withOPT : template.plain
        let fits = full.count + extra <= limit
        let message = fits ? full : (hasOPT ? template.truncatedWithOPT : template.truncatedPlain)
        guard out.count >= message.count + extra, let base = out.baseAddress else { return 0 }
        message.withUnsafeBytes { source in
            if let from = source.baseAddress { base.copyMemory(from: from, byteCount: source.count) }
        }
        query.patchHeaderAndQuestion(from: raw, into: out)
        if fits && count > 0 {
            let start = count > 1 ? rotation.wrappingAdd(1, ordering: .relaxed).oldValue : 0
            addresses.withUnsafeBytes { source in
                guard let from = source.baseAddress else { return }
                for (slot, offset) in template.rdataOffsets.enumerated() {
                    let index = Int((start &+ UInt(slot)) % UInt(count))
                    (base + offset).copyMemory(from: from + index * width, byteCount: width)
                }
            }
        }
        if hasOPT, query.edns?.dnssecOK == true {
            out[message.count - 4] |= 0x80
        }
        if extra > 0, let echo {
            // The template's OPT is the message's last record, with no options yet: its RDLENGTH ends the message.
            out[message.count - 2] = UInt8(extra >> 8)
            out[message.count - 1] = UInt8(truncatingIfNeeded: extra)
            echo.subnet.writeEcho(scope: echo.scope, into: out, at: message.count)
        }
        return message.count + extra
    }
}

/// Offsets inside messages Augur rendered itself (so well formed by construction).
enum WireLayout {
    /// Where the RDATA of each of the first `answers` answer records starts.
    static func answerRdataOffsets(_ message: [UInt8], answers: Int) -> [Int] {
        var position = skipName(message, at: 12) + 4
        var offsets: [Int] = []
        for _ in 0..<answers {
            position = skipName(message, at: position) + 8
            let length = Int(message[position]) << 8 | Int(message[position + 1])
            offsets.append(position + 2)
            position += 2 + length
        }
        return offsets
    }

    private static func skipName(_ message: [UInt8], at start: Int) -> Int {
        var position = start
        while message[position] != 0 {
            if message[position] & 0xC0 == 0xC0 { return position + 2 }
            position += Int(message[position]) + 1
        }
        return position + 1
    }
}
