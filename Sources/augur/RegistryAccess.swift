import AugurModel
import EdgeOperator

/// The topology's registry login, for every command that pulls or pushes: none when the
/// topology's registry is open (loopback only).
enum RegistryAccess {
    static func login(_ topology: Topology) throws -> RegistryLogin? {
        try topology.registryCredentials.map { path throws in try RegistryLogin.load(path) }
    }

    /// The login by registry address, as the edges' drivers look it up.
    static func logins(_ topology: Topology) throws -> RegistryLogins {
        guard let login = try login(topology) else { return [:] }
        return [topology.registry.description: login]
    }
}
