import Foundation
import TestSupport
import Testing

/// augur-uk as an image, without Xen: it builds freestanding with no undefined symbol, its ELF
/// notes pass the domain builder's own parser (libxenguest), and the HTTP request parser, the
/// command line reader and the console formatter pass their checks on the host and under a
/// short fuzzing run.
@Suite(.serialized)
struct UnikernelImageTests {
    @Test func theKernelBuildsFreestandingAndItsImageHasNoUndefinedSymbol() async throws {
        try await UnikernelBuild.make(["kernel"])
        let kernel = UnikernelBuild.folder.appendingPathComponent("kernel.o").path
        let undefined = try await Testbed.tool("nm", ["-u", kernel]).split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(Set(undefined) == ["uk_object_start", "uk_object_end", "uk_object_name"], "the kernel needs only its object: \(undefined)")
        let image = try await UnikernelBuild.image(object: UnikernelBuild.object(bytes: 1 << 20, seed: 1), name: "video1")
        #expect(try await Testbed.tool("nm", ["-u", image.path]).isEmpty)
        let headers = try await Testbed.tool("readelf", ["-lW", image.path])
        #expect(!headers.contains("INTERP") && !headers.contains("DYNAMIC"), "a static image with no interpreter: \(headers)")
        let notes = try await Testbed.tool("readelf", ["-n", image.path])
        // readelf prints Xen's note payloads in hex: "augur-uk" (GUEST_OS) and "generic" (LOADER).
        #expect(notes.contains(".note.Xen") && notes.contains("61 75 67 75 72 2d 75 6b 00") && notes.contains("67 65 6e 65 72 69 63 00"), "\(notes)")
        let symbols = try await Testbed.tool("nm", [image.path])
        #expect(symbols.contains(" uk_object_start") && symbols.contains(" hypercall_page"))
    }

    @Test func theDomainBuilderAcceptsTheImageAndRefusesItWithoutItsNotes() async throws {
        try await UnikernelBuild.make(["elfcheck"])
        let check = UnikernelBuild.folder.appendingPathComponent("elfcheck").path
        let image = try await UnikernelBuild.image(object: UnikernelBuild.object(bytes: 5 << 20, seed: 5), name: "video5")
        let accepted = try await Testbed.tool(check, [image.path])
        #expect(accepted.contains("accepted: guest type xen-3.0-x86_64"), "\(accepted)")
        let bare = image.deletingLastPathComponent().appendingPathComponent("without-notes.elf")
        try await Testbed.tool("objcopy", ["--remove-section=.note.Xen", image.path, bare.path])
        let refused = try await Testbed.tool(check, [bare.path], failOnExit: false)
        #expect(refused.contains("refused by the domain builder"), "\(refused)")
    }

    @Test func theHTTPParserCommandLineAndFormatterPassTheirHostChecks() async throws {
        let output = try await UnikernelBuild.make(["check"])
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("http-check: ") && summary.hasSuffix(" passed, 0 failed"), "\(output)")
        let passed = Int(summary.dropFirst("http-check: ".count).split(separator: " ").first ?? "") ?? 0
        #expect(passed >= 60, "\(summary)")
    }

    @Test func aShortFuzzingRunFindsNoCrashInTheParser() async throws {
        try await UnikernelBuild.make(["fuzz"])
        let corpus = Testbed.temporaryDirectory("http-fuzz")
        let output = try await Testbed.tool(
            UnikernelBuild.folder.appendingPathComponent("http-fuzz").path,
            ["-runs=200000", "-max_len=12000", "-seed=1", "-dict=\(UnikernelBuild.source)/host/http.dict", corpus.path])
        #expect(output.contains("Done 200000 runs"), "\(output.suffix(2000))")
    }
}
