import AugurModel
import EdgeWire
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a technology's command-line tool (`xl`, `nginx`) to completion and hands back its
/// exit status and output; a tool that cannot be started is an unreachable runtime.
struct ToolCommand: Sendable {
    let executable: String
    let runtime: RuntimeKind

    struct Outcome: Sendable {
        var succeeded: Bool
        var output: String
        var errorOutput: String
    }

    func run(_ arguments: [String]) async throws -> Outcome {
        let program: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        do {
            let result = try await Subprocess.run(program, arguments: Arguments(arguments), output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
            return Outcome(succeeded: result.terminationStatus.isSuccess, output: result.standardOutput, errorOutput: result.standardError)
        } catch {
            throw EdgeError.runtimeUnreachable(runtime: runtime, endpoint: executable, reason: "\(error)")
        }
    }

    /// Runs and requires success; a failure carries the tool's own message.
    @discardableResult
    func expectSuccess(_ arguments: [String], operation: String) async throws -> String {
        let outcome = try await run(arguments)
        guard outcome.succeeded else {
            let message = outcome.errorOutput.isEmpty ? outcome.output : outcome.errorOutput
            throw EdgeError.runtimeFailed(runtime: runtime, operation: operation, reason: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return outcome.output
    }
}
