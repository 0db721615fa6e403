/// Why one user did not get the content: counted per kind, never hidden.
public enum WorkloadFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    case nxdomain
    case noAddress
    case dnsTimeout
    case resolution(String)
    case refused(String)
    case http(Int)
    case shortRead(got: Int, expected: Int)
    case transfer(String)

    /// A short name for tables and CSV columns.
    public var kind: String {
        switch self {
        case .nxdomain: "nxdomain"
        case .noAddress: "no-address"
        case .dnsTimeout: "dns-timeout"
        case .resolution: "dns-error"
        case .refused: "refused"
        case .http: "http-status"
        case .shortRead: "short-read"
        case .transfer: "transfer"
        }
    }

    public var description: String {
        switch self {
        case .nxdomain: "the name does not exist (NXDOMAIN)"
        case .noAddress: "no address answered"
        case .dnsTimeout: "no DNS answer in time"
        case .resolution(let reason): "DNS: \(reason)"
        case .refused(let reason): "connection refused: \(reason)"
        case .http(let status): "HTTP status \(status)"
        case .shortRead(let got, let expected): "short read: \(got) of \(expected) bytes"
        case .transfer(let reason): "transfer failed: \(reason)"
        }
    }
}
