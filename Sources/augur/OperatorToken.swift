import AugurModel
import EdgeLink
import EdgeOperator
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The bearer token shared by the operators and the orchestrator: read from the topology's
/// token file, which is created when it does not exist yet (32 random bytes in hex, mode 0600
/// from the moment it exists). A token file that group or others may read is refused: anyone
/// who reads it can deploy and remove instances.
enum OperatorToken {
    static func load(_ path: String) throws -> String {
        if let token = try existing(path) { return token }
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        guard try create(path, contents: token + "\n") else {
            // Another process created it between the check and here: use theirs.
            return try load(path)
        }
        return token
    }

    /// The token in an existing file (checked as `load` checks it), or nil when there is none.
    static func existing(_ path: String) throws -> String? {
        if let mode = try existingMode(path) {
            guard mode & 0o077 == 0 else {
                throw TokenError(path: path, reason: "group or others may access it (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
            }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw TokenError(path: path, reason: "cannot read it: \(error.localizedDescription)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw TokenError(path: path, reason: "the token is shorter than 16 characters") }
            return token
        }
        return nil
    }

    private static func existingMode(_ path: String) throws -> Int? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        } catch {
            throw TokenError(path: path, reason: "cannot read its mode: \(error.localizedDescription)")
        }
    }

    /// Creates the file with mode 0600 in one step (`O_CREAT | O_EXCL`), whatever the umask;
    /// false when it exists already. Written aside and linked into place, so that nobody reads
    /// it half-written.
    private static func create(_ path: String, contents: String) throws -> Bool {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw TokenError(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
        }
        let aside = "\(path).\(getpid()).new"
        let descriptor = open(aside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TokenError(path: path, reason: "cannot create \(aside): \(String(cString: strerror(errno)))") }
        defer { unlink(aside) }
        let bytes = Array(contents.utf8)
        let written = write(descriptor, bytes, bytes.count)
        close(descriptor)
        guard written == bytes.count else { throw TokenError(path: path, reason: "cannot write it: \(String(cString: strerror(errno)))") }
        guard link(aside, path) == 0 else {
            if errno == EEXIST { return false }
            throw TokenError(path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// Every edge's own token (its `operator.token_file`), by node name, for the orchestrator's links.
    static func edgeTokens(_ topology: Topology) throws -> [String: String] {
        var tokens: [String: String] = [:]
        for node in topology.edges { tokens[node.name] = try load(node.operatorSettings.tokenFile) }
        return tokens
    }

    /// The orchestrator's links to every edge: each edge's token, and TLS when the topology has it.
    static func links(_ topology: Topology) throws -> OperatorLinks {
        try OperatorLinks(topology: topology, tokens: edgeTokens(topology))
    }

    struct TokenError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "token file \(path): \(reason)" }
    }
}
