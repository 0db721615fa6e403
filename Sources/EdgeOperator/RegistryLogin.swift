import Foundation

/// The user and password the private registry's htpasswd knows, read from the topology's
/// `registry_credentials` file (`USER:PASSWORD`, one line, mode 0600; `Scripts/registry
/// start --credentials FILE` makes it and the registry's htpasswd). Every client of that
/// registry sends it: unikernel pulls and pushes as HTTP Basic, Docker pulls through the
/// engine's `X-Registry-Auth`.
public struct RegistryLogin: Sendable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// A credentials file that cannot be used, and why.
    public struct FileError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "registry credentials \(path): \(reason)" }
    }

    public static func load(_ path: String) throws(FileError) -> RegistryLogin {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw FileError(path: path, reason: "cannot read it (Scripts/registry start --credentials \(path) makes it)")
        }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0
        guard mode & 0o077 == 0 else { throw FileError(path: path, reason: "group or others may access it (mode \(String(mode, radix: 8))); run: chmod 600 \(path)") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw FileError(path: path, reason: "is not UTF-8 text") }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, !line.contains("\n") else {
            throw FileError(path: path, reason: "is not one line USER:PASSWORD")
        }
        let password = String(line[line.index(after: colon)...])
        guard password.count >= 16 else { throw FileError(path: path, reason: "the password is shorter than 16 characters") }
        return RegistryLogin(username: String(line[..<colon]), password: password)
    }

    /// `Authorization` for the Distribution API.
    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// The Docker Engine's `X-Registry-Auth`: base64url of the auth configuration.
    func engineAuthentication(registry: String) -> String {
        let object = ["username": username, "password": password, "serveraddress": registry]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}

/// The logins of the registries an edge pulls from, by `ADDRESS:PORT` (a topology has one).
public typealias RegistryLogins = [String: RegistryLogin]
