/// A query's EDNS Client Subnet option (RFC 7871): the network of the client a resolver asks
/// for. Read from the OPT record's options as ldns hands them over, checked as §7.1.2 asks
/// (a known family, a prefix no longer than the address, exactly the bytes the prefix
/// needs, no bit set past it, one option per query), and echoed in the answer with the
/// scope the answer holds for.
struct ClientSubnet {
    static let optionCode: UInt16 = 8

    /// What the options say of the client's subnet.
    enum Reading {
        case absent
        case present(ClientSubnet)
        /// FORMERR.
        case malformed
    }

    let sourcePrefix: Int
    /// The option's address, bits past the source prefix zero.
    let address: ClientAddress

    /// Finds the option among the OPT record's options (`code`, `length`, data, …).
    static func read(options: UnsafeRawBufferPointer) -> Reading {
        var position = 0
        var found: ClientSubnet?
        while position < options.count {
            guard options.count - position >= 4 else { return .malformed }
            let code = UInt16(options[position]) << 8 | UInt16(options[position + 1])
            let length = Int(options[position + 2]) << 8 | Int(options[position + 3])
            let start = position + 4
            guard options.count - start >= length else { return .malformed }
            if code == optionCode {
                guard found == nil, let subnet = parse(UnsafeRawBufferPointer(rebasing: options[start..<(start + length)])) else { return .malformed }
                found = subnet
            }
            position = start + length
        }
        return found.map { .present($0) } ?? .absent
    }

    private static func parse(_ data: UnsafeRawBufferPointer) -> ClientSubnet? {
        guard data.count >= 4, let family = ClientAddress.Family(rawValue: UInt16(data[0]) << 8 | UInt16(data[1])) else { return nil }
        let source = Int(data[2])
        let bytes = data.count - 4
        guard source <= family.width, bytes == (source + 7) / 8 else { return nil }
        var bits: UInt128 = 0
        for index in 0..<bytes {
            bits |= UInt128(data[4 + index]) << UInt128(120 - 8 * index)
        }
        guard source == 128 || bits << UInt128(source) == 0 else { return nil }
        return ClientSubnet(sourcePrefix: source, address: ClientAddress(family: family, bits: bits))
    }

    /// Bytes of the echoed option: its code and length, then the data.
    var echoLength: Int { 4 + 4 + (sourcePrefix + 7) / 8 }

    /// Writes the option, answering for `scope` bits, at `out[offset...]` (`echoLength` bytes).
    func writeEcho(scope: Int, into out: UnsafeMutableRawBufferPointer, at offset: Int) {
        let data = echoLength - 4
        out[offset] = UInt8(Self.optionCode >> 8)
        out[offset + 1] = UInt8(truncatingIfNeeded: Self.optionCode)
        out[offset + 2] = UInt8(data >> 8)
        out[offset + 3] = UInt8(truncatingIfNeeded: data)
        out[offset + 4] = 0
        out[offset + 5] = UInt8(address.family.rawValue)
        out[offset + 6] = UInt8(sourcePrefix)
        out[offset + 7] = UInt8(scope)
        for index in 0..<((sourcePrefix + 7) / 8) {
            out[offset + 8 + index] = UInt8(truncatingIfNeeded: address.bits >> UInt128(120 - 8 * index))
        }
    }

    /// The echoed option as bytes, for a response ldns builds.
    func echo(scope: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: echoLength)
        bytes.withUnsafeMutableBytes { writeEcho(scope: scope, into: $0, at: 0) }
        return bytes
    }
}
