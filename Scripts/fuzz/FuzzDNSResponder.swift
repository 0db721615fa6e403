// libFuzzer entry point over the DNS packet path: every input goes through ldns parsing,
// the zone lookup and the answer writer, over UDP and TCP limits. Built by Scripts/fuzz-dns.

nonisolated(unsafe) let responder: DNSResponder? = {
    let settings = ZoneSettings(zone: "cdn.example.", ttl: 5, maxRecords: 8, maxUDPPayload: 1232, nameservers: [NameserverSpec(label: "ns1", address: [127, 0, 0, 1])])
    let contents = [
        ContentPools(content: "video1", flavors: [
            FlavorPool(flavor: "nginx", addresses: (1...20).map { [127, 1, 2, UInt8($0)] }),
            FlavorPool(flavor: "clickos", addresses: [[127, 1, 1, 1]]),
        ]),
        ContentPools(content: "video6", flavors: [FlavorPool(flavor: "nginx", addresses: [[0xfd] + Array(repeating: 0, count: 14) + [1]])]),
    ]
    return (try? DNSPools(settings: settings, contents: contents)).map(DNSResponder.init)
}()

nonisolated(unsafe) var output = [UInt8](repeating: 0, count: 65_535)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let responder else { return 0 }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for transport in [DNSResponder.Transport.udp, .tcp] {
        let written = output.withUnsafeMutableBytes { responder.respond(to: input, over: transport, into: $0) }
        // Any reply must be a DNS response to this query: at least a header, QR set, same ID.
        if written > 0 && (written < 12 || output[2] & 0x80 == 0 || size < 2 || output[0] != input[0] || output[1] != input[1]) {
            fatalError("reply is not a response to the input")
        }
    }
    return 0
}
