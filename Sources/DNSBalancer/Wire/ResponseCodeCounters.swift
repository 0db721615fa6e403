/// Every response the DNS balancer sent since it started, by response code, and the queries
/// response rate limiting held back: what an operator's dashboard plots as lookups per second
/// by rcode. Counts only grow (a reader takes differences), so no interval can lose one.
public final class ResponseCodeCounters: Sendable {
    /// The codes counted, in the order `totals` reports them.
    public enum Code: Int, Sendable, CaseIterable {
        case noError, formErr, servFail, nxDomain, notImp, refused, badVers, limited, other

        /// The name dig prints (`limited`: slipped or dropped by rate limiting).
        public var name: String {
            switch self {
            case .noError: "NOERROR"
            case .formErr: "FORMERR"
            case .servFail: "SERVFAIL"
            case .nxDomain: "NXDOMAIN"
            case .notImp: "NOTIMP"
            case .refused: "REFUSED"
            case .badVers: "BADVERS"
            case .limited: "LIMITED"
            case .other: "OTHER"
            }
        }

        init(rcode: Int) {
            switch rcode {
            case DNSNumbers.rcodeNoError: self = .noError
            case DNSNumbers.rcodeFormErr: self = .formErr
            case DNSNumbers.rcodeServFail: self = .servFail
            case DNSNumbers.rcodeNXDomain: self = .nxDomain
            case DNSNumbers.rcodeNotImp: self = .notImp
            case DNSNumbers.rcodeRefused: self = .refused
            case DNSNumbers.rcodeBadVers: self = .badVers
            default: self = .other
            }
        }
    }

    private let cells = Code.allCases.map { _ in CounterCell() }

    public init() {}

    func count(rcode: Int) {
        cells[Code(rcode: rcode).rawValue].bump()
    }

    func countLimited() {
        cells[Code.limited.rawValue].bump()
    }

    /// Every code's count since the start, by name (`NOERROR`, `NXDOMAIN`, …, `LIMITED`).
    public func totals() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: Code.allCases.map { ($0.name, cells[$0.rawValue].read()) })
    }
}
