import Foundation
import Logging
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Carries out a `TestbedPlan` with iproute2 (`ip`, `tc`): builds the namespaces and links,
/// reshapes the edge links between runs, and removes it all. Needs root.
public struct TestbedNetwork: Sendable {
    public let plan: TestbedPlan
    let logger: Logger

    public init(plan: TestbedPlan, logger: Logger) {
        self.plan = plan
        self.logger = logger
    }

    /// Builds the network, first removing what an earlier testbed of the same names left;
    /// `edgeBitsPerSecond` replaces the topology's edge ↔ core rate.
    public func up(edgeBitsPerSecond: Int? = nil) async throws(TestbedSetupError) {
        await down()
        for command in plan.upCommands(edgeBitsPerSecond: edgeBitsPerSecond) { try await run(command) }
        logger.info("testbed up", metadata: ["namespaces": "\(plan.namespaces.joined(separator: " "))", "links": "\(plan.links.count)"])
    }

    /// Removes every namespace of the plan (and with them their links); absent ones are fine.
    public func down() async {
        for command in plan.downCommands() {
            do {
                try await run(command)
            } catch {
                logger.debug("nothing to remove", metadata: ["command": "\(command.joined(separator: " "))"])
            }
        }
    }

    /// Shapes the edge ↔ core links to `edgeBitsPerSecond` (nil: the topology's rates).
    public func shape(edgeBitsPerSecond: Int?) async throws(TestbedSetupError) {
        for command in plan.shapeCommands(edgeBitsPerSecond: edgeBitsPerSecond) { try await run(command) }
    }

    private func run(_ command: [String]) async throws(TestbedSetupError) {
        let line = command.joined(separator: " ")
        do {
            let result = try await Subprocess.run(
                .name(command[0]), arguments: Arguments(Array(command.dropFirst())), output: .discarded, error: .string(limit: 1 << 16))
            guard result.terminationStatus.isSuccess else {
                throw TestbedSetupError.commandFailed(command: line, reason: result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        } catch let error as TestbedSetupError {
            throw error
        } catch {
            throw TestbedSetupError.commandFailed(command: line, reason: "\(error)")
        }
    }
}
