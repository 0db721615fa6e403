import ArgumentParser
import AugurModel
import EdgeOperator
import Foundation

/// `augur image push-unikernel`: stores a unikernel guest in the private registry in Augur's
/// artifact format, so edges pull and verify it like any image.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage images in the private registry.",
        subcommands: [PushUnikernel.self, ProfileSize.self]
    )

    struct PushUnikernel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "push-unikernel",
            abstract: "Push a Xen guest's kernel (content embedded, or in --ramdisk) as an OCI artifact; print its digest.",
            discussion: """
                Without --kernel, the kernel blob is a stand-in of the paper's image size for this \
                flavor and content (Topology/flavors.yaml): the content's payload followed by \
                deterministic filler. There is no ClickOS/Rumprun/MirageOS toolchain on this machine; \
                the stand-in makes image transfers as large as the paper's. A flavor that is never \
                emulated (xen-linux) needs a real --kernel (Scripts/xen-host builds and pushes them).
                """
        )

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "A flavor on the xen runtime (clickos, rumprun, mirage, xen-linux).")
        var flavor: String?

        @Option(help: "The content object the kernel serves.")
        var object: String?

        @Flag(help: "Push the stand-in of every emulable flavor on the xen runtime for every content it serves (what an emulated testbed needs).")
        var all = false

        @Option(help: "A kernel image file to push instead of the stand-in.")
        var kernel: String?

        @Option(help: "An initial ramdisk for the kernel (a real PV kernel's initramfs holding the content).")
        var ramdisk: String?

        @Option(name: .customLong("domain-setting"), help: "An xl domain setting KEY=VALUE the artifact carries (allowed: \(DomainSettings.allowedKeys.joined(separator: ", "))); repeatable.")
        var domainSettings: [String] = []

        @Option(help: "The tag to push under (default: the content's name, the tag operators deploy).")
        var tag: String?

        @Option(help: "Push to this registry (ADDRESS:PORT) instead of the topology's.")
        var registry: String?

        @Option(help: "Where generated payloads are.")
        var payloads: String = "Content/payloads"

        func validate() throws {
            if all {
                guard flavor == nil, object == nil, kernel == nil, ramdisk == nil, tag == nil, domainSettings.isEmpty else {
                    throw ValidationError("--all pushes stand-ins: it takes no --flavor, --object, --kernel, --ramdisk, --tag or --domain-setting")
                }
            } else if flavor == nil || object == nil {
                throw ValidationError("name a --flavor and an --object (or pass --all)")
            }
        }

        func run() async throws {
            let configuration = try config.load()
            guard !all else { return try await pushEveryStandIn(configuration) }
            let flavorName = flavor ?? ""
            let object = object ?? ""
            guard let flavor = configuration.flavors[flavorName], flavor.runtime == .xen else {
                throw ValidationError("'\(flavorName)' is not a flavor on the xen runtime (\(configuration.flavors.values.filter { $0.runtime == .xen }.map(\.name).sorted().joined(separator: ", ")))")
            }
            guard kernel != nil || flavor.emulable else {
                throw ValidationError("\(flavor.name) is never emulated: pass its real --kernel (and --ramdisk)")
            }
            guard ramdisk == nil || kernel != nil else { throw ValidationError("--ramdisk needs --kernel") }
            var settings: [String: String] = [:]
            for setting in domainSettings {
                guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else { throw ValidationError("--domain-setting '\(setting)' is not KEY=VALUE") }
                settings[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
            }
            guard let item = configuration.catalog.item(named: object), item.flavors.contains(flavor.name) else {
                throw ValidationError("content '\(object)' is not in the catalog or not served by \(flavor.name)")
            }
            let (registry, login) = try target(configuration)
            let (reference, digest) = if let kernel {
                try await UnikernelPush.push(
                    try Data(contentsOf: URL(fileURLWithPath: kernel)), ramdisk: try ramdisk.map { try Data(contentsOf: URL(fileURLWithPath: $0)) },
                    flavor: flavor, item: item, registry: registry, login: login, tag: tag, domainSettings: settings)
            } else {
                try await UnikernelPush.pushStandIn(flavor: flavor, item: item, payloads: URL(fileURLWithPath: payloads), registry: registry, login: login)
            }
            print("\(reference.name)@\(digest)")
        }

        /// The registry to push to (the topology's unless `--registry`), and its login.
        private func target(_ configuration: AugurConfiguration) throws -> (SocketEndpoint, RegistryLogin?) {
            guard let registry = registry.map({ SocketEndpoint($0) }) ?? configuration.topology.registry else {
                throw ValidationError("--registry '\(registry ?? "")' is not ADDRESS:PORT")
            }
            return (registry, registry == configuration.topology.registry ? try RegistryAccess.login(configuration.topology) : nil)
        }

        private func pushEveryStandIn(_ configuration: AugurConfiguration) async throws {
            let (registry, login) = try target(configuration)
            for flavor in configuration.flavors.values.filter({ $0.runtime == .xen && $0.emulable }).sorted(by: { $0.name < $1.name }) {
                for item in configuration.catalog.contents where item.flavors.contains(flavor.name) {
                    let (reference, digest) = try await UnikernelPush.pushStandIn(
                        flavor: flavor, item: item, payloads: URL(fileURLWithPath: payloads), registry: registry, login: login)
                    print("\(reference.name)@\(digest)")
                }
            }
        }
    }
}
