import AugurModel
import EdgeOperator
import Foundation
import Workload

/// What a scenario needs before its first run: the pattern's payload generated, the registry
/// answering, each edge flavor known and serving the content, emulable unikernel flavors'
/// stand-in artifacts pushed (never over a real flavor's images), and (where the edges run
/// in this process) each edge's dockerd answering for container flavors.
public struct ReplayPreparation: Sendable {
    public let scenario: Scenario
    public let configuration: AugurConfiguration
    public let payloads: URL
    /// The topology's registry login, for the check and the pushes.
    public let login: RegistryLogin?

    public init(scenario: Scenario, configuration: AugurConfiguration, payloads: URL, login: RegistryLogin? = nil) {
        self.scenario = scenario
        self.configuration = configuration
        self.payloads = payloads
        self.login = login
    }

    /// Readies everything, or says what is missing and how to get it.
    public func prepare(dockerEdges: Bool) async throws {
        guard let item = configuration.catalog.item(named: scenario.pattern.content), let generated = GeneratedPayload(item) else {
            throw ReplayError("pattern content '\(scenario.pattern.content)' is not a generated item of the catalog")
        }
        let file = payloads.appendingPathComponent(item.name)
        if (try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize) != item.sizeBytes {
            try FileManager.default.createDirectory(at: payloads, withIntermediateDirectories: true)
            try Data(generated.bytes()).write(to: file)
        }
        let registry = configuration.topology.registry
        do {
            try await RegistryClient(registry: registry.description, login: login).checkAnswers()
        } catch {
            throw ReplayError("the registry at \(registry) does not answer (\(error)): Scripts/registry start")
        }
        for flavorName in Set(scenario.runs.flatMap(\.edgeFlavors)).sorted() {
            guard let flavor = configuration.flavors[flavorName] else { throw ReplayError("unknown edge flavor '\(flavorName)'") }
            guard item.flavors.contains(flavorName) else { throw ReplayError("'\(item.name)' is not served by \(flavorName)") }
            // A flavor never emulated keeps the real images its Xen host pushed.
            if flavor.kind == .unikernel, flavor.emulable { _ = try await UnikernelPush.pushStandIn(flavor: flavor, item: item, payloads: payloads, registry: registry, login: login) }
            guard flavor.runtime == .docker, dockerEdges else { continue }
            for node in configuration.topology.edges {
                do {
                    try await DockerDriver(socketPath: node.operatorSettings.dockerSocket, edge: node.name).checkAnswers()
                } catch {
                    throw ReplayError("\(flavorName) runs on docker, and \(node.name)'s dockerd does not answer (\(error)): Scripts/edge-dockerd start \(node.name)")
                }
            }
        }
    }
}
