import Testing
@testable import AugurModel

@Suite struct GeneratedPayloadTests {
    @Test func sameSeedSameBytesAndChunksAgree() {
        let payload = GeneratedPayload(seed: 5, size: 100_003)
        let whole = payload.bytes()
        #expect(whole.count == 100_003)
        #expect(whole == GeneratedPayload(seed: 5, size: 100_003).bytes())
        var chunks: [UInt8] = []
        var offset = 0
        while offset < payload.size {
            chunks += payload.bytes(from: offset, count: 4_093)
            offset += 4_093
        }
        #expect(chunks == whole, "chunk boundaries that split 8-byte words change nothing")
        #expect(whole != GeneratedPayload(seed: 6, size: 100_003).bytes())
        // Not a constant fill: every byte value shows up.
        #expect(Set(whole).count == 256)
    }

    @Test func onlyGeneratedItemsHaveAPayload() throws {
        #expect(GeneratedPayload(ContentItem(name: "a", sizeBytes: 10, source: .generated(seed: 1), flavors: ["nginx"]))?.size == 10)
        #expect(GeneratedPayload(ContentItem(name: "b", sizeBytes: 10, source: .file("b.bin"), flavors: ["nginx"])) == nil)
        #expect(GeneratedPayload(seed: 1, size: 10).bytes(from: 8, count: 100).count == 2)
    }
}
