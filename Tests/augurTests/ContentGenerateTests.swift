@testable import augur
import Foundation
import Testing
import TestSupport

/// `augur content generate` over payloads an instance may be serving: each file is replaced
/// whole, never truncated in place.
@Suite struct ContentGenerateTests {
    @Test func regeneratingAPayloadNeverLeavesAReaderAHalfWrittenFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("augur-generate-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = [
            "--topology", RepositoryFiles.path("Topology/paper-testbed.yaml"), "--content", RepositoryFiles.path("Content/catalog.yaml"), "--output", folder.path,
        ]
        try ContentCommand.Generate.parse(arguments).run()
        let target = folder.appendingPathComponent("video1")
        // A reader that opened the payload before it is generated again (nginx serving it).
        let reader = try FileHandle(forReadingFrom: target)
        defer { try? reader.close() }
        try ContentCommand.Generate.parse(arguments).run()
        var opened = stat()
        var current = stat()
        #expect(fstat(reader.fileDescriptor, &opened) == 0 && stat(target.path, &current) == 0)
        #expect(opened.st_ino != current.st_ino, "a new file took the name: the open one was not truncated and written over")
        #expect(try reader.readToEnd()?.count == 1_048_576, "the open file is still the whole payload")
        #expect(try Data(contentsOf: target).count == 1_048_576)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".partial") }
        #expect(left.isEmpty, "no partial file is left: \(left)")
    }
}
