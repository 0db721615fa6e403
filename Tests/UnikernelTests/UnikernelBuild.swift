import Foundation
import TestSupport

/// The unikernel's own build (Sources/Unikernel/Makefile) as the tests drive it: the kernel,
/// images with a given object, the host checks and the tap-device server, all in the
/// repository's .build/unikernel.
enum UnikernelBuild {
    static let source = Testbed.root.appendingPathComponent("Sources/Unikernel").path
    static let folder = Testbed.root.appendingPathComponent(".build/unikernel")

    /// Runs `make TARGETS` in the unikernel's folder and returns what it printed; one make
    /// at a time (suites run in parallel and share the build folder).
    @discardableResult
    static func make(_ arguments: [String]) async throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try await Testbed.tool("flock", [folder.path + ".lock", "make", "-s", "-C", source] + arguments)
    }

    /// An image serving `object` as /`name`, built into a fresh folder.
    static func image(object: URL, name: String) async throws -> URL {
        let out = Testbed.temporaryDirectory("augur-uk-image").appendingPathComponent("augur-uk-\(name).elf")
        try await make(["image", "OBJECT=\(object.path)", "NAME=\(name)", "OUT=\(out.path)"])
        return out
    }

    /// A deterministic object of `bytes` bytes (not gzip-looking: it starts with its size).
    static func object(bytes: Int, seed: UInt64) -> URL {
        var state = seed | 1
        var data = Data(capacity: bytes)
        while data.count < bytes {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state.littleEndian) { data.append(contentsOf: $0.prefix(bytes - data.count)) }
        }
        let file = Testbed.temporaryDirectory("augur-uk-object").appendingPathComponent("object-\(bytes)")
        try? data.write(to: file)
        return file
    }
}
