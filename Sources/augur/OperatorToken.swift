import Foundation

/// The bearer token shared by the operators and the orchestrator: read from the topology's
/// token file, which is created (mode 0600, 32 random bytes in hex) when it does not exist yet.
enum OperatorToken {
    static func load(_ path: String) throws -> String {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw TokenError(path: path, reason: "the token is shorter than 16 characters") }
            return token
        }
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((token + "\n").utf8).write(to: url, options: .withoutOverwriting)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw TokenError(path: path, reason: "cannot create it: \(error.localizedDescription)")
        }
        return token
    }

    struct TokenError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "token file \(path): \(reason)" }
    }
}
