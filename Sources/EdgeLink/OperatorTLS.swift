import AugurModel
import NIOSSL

/// The TLS both ends of an edge link use, read from the topology's files: an operator
/// presents its node's certificate, and whoever drives it trusts only the topology's CA and
/// checks that the certificate names the address it dialled. Any file that is missing or
/// unreadable is an error naming it, before anything listens or connects.
public enum OperatorTLS {
    /// A TLS file that could not be used, with its path and what was wrong.
    public struct FileError: Error, CustomStringConvertible {
        public var path: String
        public var role: String
        public var reason: String
        public var description: String { "\(role) \(path): \(reason)" }
    }

    /// The operator's server configuration; nil when the node has no certificate (plain HTTP).
    public static func server(for node: Node) throws(FileError) -> TLSConfiguration? {
        guard let identity = node.operatorSettings.tls else { return nil }
        let chain = try certificates(identity.certificate, role: "node \(node.name)'s certificate")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: identity.key, format: .pem)
        } catch {
            throw FileError(path: identity.key, role: "node \(node.name)'s key", reason: "\(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    /// The client configuration that trusts only `ca` (the topology's `tls.ca`).
    public static func client(trusting ca: TopologyTLS) throws(FileError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try certificates(ca.ca, role: "the topology's CA"))
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    private static func certificates(_ path: String, role: String) throws(FileError) -> [NIOSSLCertificate] {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw FileError(path: path, role: role, reason: "\(error) (Scripts/tls-certs makes it)")
        }
        guard !chain.isEmpty else { throw FileError(path: path, role: role, reason: "holds no PEM certificate") }
        return chain
    }
}
