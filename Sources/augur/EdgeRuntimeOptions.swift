import ArgumentParser
import AugurModel
import EdgeOperator
import Foundation
import Logging

/// How an edge operator runs its instances, shared by `augur edge` (one edge) and
/// `augur serve` (every edge in process): the drivers, and the boot timeout.
struct EdgeRuntimeOptions: ParsableArguments {
    enum XenRuntime: String, ExpressibleByArgument, CaseIterable {
        case xl, emulated
    }

    @Option(help: "Unikernel flavors through Xen's xl toolstack, or emulated (no Xen dom0 on this machine).")
    var xen: XenRuntime = .emulated

    @Option(help: "The xl executable (with --xen xl).")
    var xl: String = "xl"

    @Option(help: "Where generated payloads are (for emulated instances).")
    var payloads: String = "Content/payloads"

    @Option(help: "Seconds a boot may take before the instance is destroyed and reported failed.")
    var bootTimeout: Int = 60

    func validate() throws {
        guard bootTimeout > 0 else { throw ValidationError("--boot-timeout must be positive") }
    }

    /// The operator of `node`, with its docker driver, the emulated driver and (with `--xen xl`) Xen.
    /// Every driver pulls with `logins` (the topology's registry login: `RegistryAccess.logins`).
    func makeOperator(node: Node, configuration: AugurConfiguration, stateDirectory: String?, logins: RegistryLogins, logger: Logger) -> EdgeOperator {
        let state = URL(fileURLWithPath: stateDirectory ?? node.operatorSettings.stateDirectory)
        var drivers: [any RuntimeDriver] = [
            DockerDriver(socketPath: node.operatorSettings.dockerSocket, edge: node.name, registryLogins: logins),
            EmulatedDriver(flavors: configuration.flavors, payloads: URL(fileURLWithPath: payloads), stateDirectory: state, registryLogins: logins),
        ]
        if xen == .xl {
            let network = node.operatorSettings.xenGuests ?? XenGuestNetwork(prefixLength: node.pools[.xen]?.prefixLength ?? 32)
            drivers.append(XenDriver(stateDirectory: state, network: network, xl: xl, registryLogins: logins))
        }
        var settings = EdgeOperator.Settings(configuration: configuration, node: node)
        settings.bootTimeout = .seconds(bootTimeout)
        return EdgeOperator(settings: settings, drivers: drivers, logger: logger)
    }
}
