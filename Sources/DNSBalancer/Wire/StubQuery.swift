import AugurModel

/// The client's side of one lookup, on the same ldns wrapper the balancer answers with: what
/// the workload generator sends to resolve a content's name and how it reads the answer.
public enum StubQuery {
    /// An A (or AAAA) query for `name` with `id`, recursion desired.
    public static func message(for name: String, id: UInt16, ipv6: Bool = false) throws(StubQueryError) -> [UInt8] {
        do {
            let packet = try LDNSPacket(queryID: id)
            try packet.addQuestion(name: try LDNSName(name), type: ipv6 ? 28 : 1)
            return try packet.wire()
        } catch {
            throw StubQueryError(reason: "cannot build a query for '\(name)': \(error)")
        }
    }

    /// Reads a response to the query with `id`: its rcode, whether it was truncated, and the
    /// answered addresses as text.
    public static func answer(_ bytes: [UInt8], id: UInt16) throws(StubQueryError) -> StubAnswer {
        let parsed: Result<StubAnswer, StubQueryError> = bytes.withUnsafeBytes { raw in
            do {
                let packet = try LDNSPacket(parsing: raw)
                guard packet.isResponse, packet.id == id else { return .failure(StubQueryError(reason: "not the response to query \(id)")) }
                let addresses = packet.answerAddresses.compactMap { IPAddress(bytes: $0)?.description }
                return .success(StubAnswer(rcode: packet.rcode, truncated: packet.truncated, addresses: addresses))
            } catch {
                return .failure(StubQueryError(reason: "unreadable response: \(error)"))
            }
        }
        return try parsed.get()
    }
}

/// A response as the client sees it.
public struct StubAnswer: Sendable, Hashable {
    public var rcode: Int
    public var truncated: Bool
    public var addresses: [String]
}

/// Why a lookup could not be sent or read.
public struct StubQueryError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
