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
        subcommands: [PushUnikernel.self]
    )

    struct PushUnikernel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "push-unikernel",
            abstract: "Push a unikernel kernel (content embedded) as an OCI artifact; print its digest.",
            discussion: """
                Without --kernel, the kernel blob is a stand-in of the paper's image size for this \
                flavor and content (Topology/flavors.yaml): the content's payload followed by \
                deterministic filler. There is no ClickOS/Rumprun/MirageOS toolchain on this machine; \
                the stand-in makes image transfers as large as the paper's.
                """
        )

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "A unikernel flavor (clickos, rumprun, mirage).")
        var flavor: String

        @Option(help: "The content object the kernel serves.")
        var object: String

        @Option(help: "A kernel image file to push instead of the stand-in.")
        var kernel: String?

        @Option(help: "Where generated payloads are.")
        var payloads: String = "Content/payloads"

        func run() async throws {
            let configuration = try config.load()
            guard let flavor = configuration.flavors[flavor], flavor.kind == .unikernel else {
                throw ValidationError("'\(self.flavor)' is not a unikernel flavor (\(configuration.flavors.values.filter { $0.kind == .unikernel }.map(\.name).sorted().joined(separator: ", ")))")
            }
            guard let item = configuration.catalog.item(named: object), item.flavors.contains(flavor.name) else {
                throw ValidationError("content '\(object)' is not in the catalog or not served by \(flavor.name)")
            }
            let registry = configuration.topology.registry
            let (reference, digest) = if let kernel {
                try await UnikernelPush.push(try Data(contentsOf: URL(fileURLWithPath: kernel)), flavor: flavor, item: item, registry: registry)
            } else {
                try await UnikernelPush.pushStandIn(flavor: flavor, item: item, payloads: URL(fileURLWithPath: payloads), registry: registry)
            }
            print("\(reference.name)@\(digest)")
        }
    }
}
