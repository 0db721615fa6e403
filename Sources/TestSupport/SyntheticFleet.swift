import AugurModel

/// A fleet of any size for benchmarks and scale tests: no file describes one this big.
public enum SyntheticFleet {
    /// A catalog of `contents` objects (`c0`, `c1`, …) and a topology of `edges` PoPs holding 100 instances each;
    /// the core serves every content with one baseline instance.
    public static func configuration(contents: Int, edges: Int) -> AugurConfiguration? {
        let clickos = Flavor(name: "clickos", runtime: .xen, kind: .unikernel, imageMegabytes: [1: 6.2, 5: 9.4, 10: 14.6, 20: 24.5], timing: .init(bootMilliseconds: 80, removalMilliseconds: 10))
        let flask = Flavor(name: "flask", runtime: .docker, kind: .container, imageMegabytes: [1: 85.2, 5: 89.2, 10: 94.2, 20: 104], timing: .init(bootMilliseconds: 1_500, removalMilliseconds: 300))
        let items = (0..<contents).map { ContentItem(name: "c\($0)", sizeBytes: 5 << 20, source: .generated(seed: UInt64($0)), flavors: ["clickos", "flask"]) }
        guard let corePool = IPPrefix("10.0.0.0/8"), let zone = DomainName("cdn.example."), let registry = SocketEndpoint("127.0.0.1:5000") else { return nil }
        let statics = (0..<contents).map { index in
            StaticInstance(content: "c\(index)", flavor: "flask", address: .v4(0x0A00_0000 | UInt32(index)))
        }
        let core = Node(name: "core", role: .core, pools: [.docker: corePool], instanceLimit: contents, link: nil, staticInstances: statics)
        let edgeNodes = (0..<edges).compactMap { index -> Node? in
            guard let xen = IPPrefix("11.\(index >> 8).\(index & 0xFF).0/24"), let docker = IPPrefix("12.\(index >> 8).\(index & 0xFF).0/24") else { return nil }
            return Node(name: "edge-\(index)", role: .edge, pools: [.xen: xen, .docker: docker], instanceLimit: 100, link: Link(bitsPerSecond: 100_000_000, delayMilliseconds: 2), staticInstances: [])
        }
        let dns = DNSSettings(listen: [registry], ttl: 5, maxRecords: 8, maxUDPPayload: 1232, intervalMilliseconds: 30_000, nameservers: [])
        let topology = Topology(zone: zone, dns: dns, servicePort: 8080, registry: registry, singleHost: false, core: core, edges: edgeNodes)
        return AugurConfiguration(topology: topology, flavors: ["clickos": clickos, "flask": flask], catalog: Catalog(contents: items))
    }
}
