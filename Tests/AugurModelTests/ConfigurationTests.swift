@testable import AugurModel
import Foundation
import Testing
import TestSupport

@Suite struct ShippedConfiguration {
    @Test func defaultTopologyMirrorsThePaperTestbed() throws {
        let config = try RepositoryFiles.decode()
        #expect(config.topology.zone.description == "cdn.example.")
        #expect(config.topology.edges.map(\.name) == ["edge-1", "edge-2", "edge-3", "edge-4"])
        #expect(config.topology.core.staticInstances.count == 4)
        #expect(config.topology.edges.allSatisfy { $0.link?.bitsPerSecond == 100_000_000 })
        #expect(config.topology.dns.intervalMilliseconds == 30_000)
        #expect(config.catalog.contents.map(\.sizeBytes) == [1, 5, 10, 20].map { $0 * 1_048_576 })
        #expect(config.catalog.contents.allSatisfy { $0.capacity == 20 })
        #expect(config.flavors["clickos"]?.runtime == .xen)
        #expect(config.flavors["flask"]?.imageMegabytes[5] == 89.2)
    }

    @Test func imageSizeInterpolatesBetweenMeasuredContentSizes() throws {
        let nginx = try #require(try RepositoryFiles.decode().flavors["nginx"])
        #expect(nginx.imageMegabytes(forContentBytes: 5 * 1_048_576) == 26.5)
        let between = try #require(nginx.imageMegabytes(forContentBytes: 15 * 1_048_576))
        #expect(abs(between - 36.5) < 1e-9)
    }
}

@Suite struct InvalidConfiguration {
    private func failure(_ file: String, _ edit: (String) -> String) -> ConfigError? {
        do {
            _ = try RepositoryFiles.decode(editing: file, edit)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownFlavorNamesFileLineAndField() throws {
        let error = try #require(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "flavors: [augur-uk, clickos, rumprun, mirage, nginx, flask, xen-linux]\n    capacity: 20\n  - name: video5", with: "flavors: [clickos, unikraft]\n    capacity: 20\n  - name: video5") })
        #expect(error.file == "Content/catalog.yaml")
        #expect(error.field == "contents[0].flavors[1]")
        #expect(error.line == 9)
        #expect(error.reason.contains("unknown flavor 'unikraft'"))
        #expect(error.description.hasPrefix("Content/catalog.yaml:9: contents[0].flavors[1]: unknown flavor"))
    }

    @Test func overlappingPoolsAreRefused() throws {
        let error = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "docker: 127.12.2.0/24", with: "docker: 127.11.0.0/16") })
        #expect(error.field == "edges[1].pools.docker")
        #expect(error.reason.contains("overlaps edge-1"))
        #expect(error.line != nil)
    }

    @Test func responseRateLimitingIsReadAndCheckedFromTheTopology() throws {
        #expect(try RepositoryFiles.decode().topology.dns.rateLimit == .init(rate: 200, slip: 2))
        let error = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "rrl: {rate: 200, slip: 2}", with: "rrl: {rate: -5, slip: 2}") })
        #expect(error.field == "dns.rrl.rate" && error.line == 16, "\(error)")
        let slip = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "rrl: {rate: 200, slip: 2}", with: "rrl: {rate: 0, slip: 500}") })
        #expect(slip.field == "dns.rrl.slip")
    }

    @Test func duplicateContentNames() throws {
        let error = try #require(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "name: video5", with: "name: video1") })
        #expect(error.field == "contents[1].name")
        #expect(error.reason.contains("duplicate content name"))
    }

    @Test func poolOutsideLoopbackOnSingleHost() throws {
        let error = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "xen: 127.13.1.0/24", with: "xen: 10.13.1.0/24") })
        #expect(error.field == "edges[2].pools.xen")
        #expect(error.reason.contains("outside loopback"))
    }

    @Test func duplicateNodeNames() throws {
        let error = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "name: edge-3", with: "name: edge-2") })
        #expect(error.field == "edges[2].name")
    }

    @Test func staticInstanceOutsideItsPool() throws {
        let error = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "address: 127.10.0.5}", with: "address: 127.99.0.5}") })
        #expect(error.field == "core.static_instances[1].address")
    }

    @Test func contentNamedLikeAFlavor() throws {
        let error = try #require(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "name: video20", with: "name: nginx") })
        #expect(error.reason.contains("is a flavor name"))
    }

    @Test func badValuesNameTheirField() throws {
        #expect(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "size: 10MB", with: "size: ten") }?.field == "contents[2].size")
        #expect(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "name: video10", with: "name: Video_10") }?.field == "contents[2].name")
        #expect(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "interval: 30s", with: "interval: 10ms") }?.field == "dns.interval")
        #expect(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "bandwidth: 100Mbps, delay: 2ms}\n    pools: {xen: 127.14", with: "bandwidth: fast, delay: 2ms}\n    pools: {xen: 127.14") }?.field == "edges[3].link.bandwidth")
        #expect(failure("Topology/flavors.yaml") { $0.replacingOccurrences(of: "runtime: xen\n    kind: unikernel\n    image_mb: {1: 6.2", with: "runtime: kvm\n    kind: unikernel\n    image_mb: {1: 6.2") }?.field == "flavors.clickos.runtime")
    }

    @Test func flavorTimingAndOperatorSettingsAreChecked() throws {
        let boot = try #require(failure("Topology/flavors.yaml") { $0.replacingOccurrences(of: "boot: 80ms", with: "boot: soon") })
        #expect(boot.field == "flavors.clickos.boot")
        #expect(boot.line != nil)
        let listen = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "listen: 127.0.0.1:7102", with: "listen: 10.0.0.2:7102") })
        #expect(listen.field == "edges[1].operator.listen")
        #expect(listen.reason.contains("outside loopback"))
        let configuration = try RepositoryFiles.decode(editing: "Content/catalog.yaml") { $0 }
        #expect(configuration.flavors["mirage"]?.timing == Flavor.TimingProfile(bootMilliseconds: 370, removalMilliseconds: 10))
        #expect(configuration.topology.node(named: "edge-3")?.operatorSettings.listen == SocketEndpoint("127.0.0.1:7103"))
        #expect(configuration.topology.node(named: "edge-3")?.operatorSettings.dockerSocket == "/run/augur/edge-3/docker.sock")
    }

    @Test func guestMemoryBySizeIsReadCheckedAndInterpolated() throws {
        let configuration = try RepositoryFiles.decode()
        let uk = try #require(configuration.flavors["augur-uk"])
        #expect(uk.memoryMegabytes == [1: 8, 5: 12, 10: 16, 20: 28])
        #expect(uk.memoryMegabytes(forContentBytes: 1 << 20) == 8)
        #expect(uk.memoryMegabytes(forContentBytes: 1 << 10) == 8, "below the smallest measured size: the smallest measurement")
        #expect(uk.memoryMegabytes(forContentBytes: 3 << 20) == 10, "between 1 MB (8) and 5 MB (12)")
        #expect(uk.memoryMegabytes(forContentBytes: 30 << 20) == 40, "past 20 MB: extrapolated upwards (28 + 10 × 1.2)")
        #expect(configuration.flavors["nginx"]?.memoryMegabytes(forContentBytes: 1 << 20) == nil, "containers size themselves")
        let bad = try #require(failure("Topology/flavors.yaml") { $0.replacingOccurrences(of: "memory_mb: {1: 8,", with: "memory_mb: {1: -8,") })
        #expect(bad.field == "flavors.augur-uk.memory_mb.1" && bad.reason.contains("guest memory"), "\(bad)")
        let size = try #require(failure("Topology/flavors.yaml") { $0.replacingOccurrences(of: "memory_mb: {1: 8,", with: "memory_mb: {one: 8,") })
        #expect(size.field == "flavors.augur-uk.memory_mb.one", "\(size)")
    }

    /// A misspelled key would be skipped and its setting never take effect: every file
    /// refuses a key no field reads, with its line and the nearest known key.
    @Test func unknownKeysAreRefusedWithTheirLineAndTheNearestKnownKey() throws {
        let ttl = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "  ttl: 5\n", with: "  tll: 5\n") })
        #expect(ttl.field == "dns.tll" && ttl.line == 12 && ttl.reason == "unknown field (did you mean 'ttl'?)", "\(ttl)")
        let top = try #require(failure("Topology/paper-testbed.yaml") { $0 + "reigons: [eu]\n" })
        #expect(top.field == "reigons" && top.line != nil && top.reason.contains("did you mean 'regions'?"), "\(top)")
        let far = try #require(failure("Topology/paper-testbed.yaml") { $0 + "colour: blue\n" })
        #expect(far.field == "colour" && !far.reason.contains("did you mean"), "nothing known is near 'colour': \(far)")
        let capacity = try #require(failure("Content/catalog.yaml") { $0.replacingOccurrences(of: "    capacity: 20\n", with: "    capacty: 20\n") })
        #expect(capacity.field == "contents[0].capacty" && capacity.reason.contains("did you mean 'capacity'?"), "\(capacity)")
        #expect(capacity.reason.contains("also unknown: contents[1].capacty"), "every unknown key is named: \(capacity)")
        let boot = try #require(failure("Topology/flavors.yaml") { $0.replacingOccurrences(of: "    boot: 80ms\n", with: "    boto: 80ms\n") })
        #expect(boot.field == "flavors.clickos.boto" && boot.reason.contains("did you mean 'boot'?"), "\(boot)")
        for topology in ["Topology/paper-testbed.yaml", "Topology/netns-testbed.yaml", "Topology/netns-testbed-xen.yaml", "Topology/xen-edge.yaml"] {
            #expect(throws: Never.self, "\(topology) has no unknown key") {
                try AugurConfiguration.decode(
                    topology: RepositoryFiles.document(topology), flavors: RepositoryFiles.document("Topology/flavors.yaml"),
                    catalog: RepositoryFiles.document("Content/catalog.yaml"))
            }
        }
    }

    @Test func nearestKnownKeyIsWithinAFewEdits() {
        #expect(UnknownFieldCheck.distance("ttl", "tll") == 1)
        #expect(UnknownFieldCheck.distance("boto", "boot") == 1, "a swap of neighbours is one edit")
        #expect(UnknownFieldCheck.distance("", "abc") == 3)
        #expect(UnknownFieldCheck.nearest("intervall", among: ["interval", "listen"]) == "interval")
        #expect(UnknownFieldCheck.nearest("zzz", among: ["ttl", "listen"]) == nil)
    }

    @Test func missingFieldAndWrongTypeAndBrokenYAML() throws {
        let missing = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "registry: 127.0.0.1:5000\n", with: "") })
        #expect(missing.reason.contains("missing required field 'registry'"))
        let wrongType = try #require(failure("Topology/paper-testbed.yaml") { $0.replacingOccurrences(of: "instance_limit: 8\n    link: {bandwidth: 100Mbps, delay: 2ms}\n    pools: {xen: 127.12", with: "instance_limit: many\n    link: {bandwidth: 100Mbps, delay: 2ms}\n    pools: {xen: 127.12") })
        #expect(wrongType.field == "edges[1].instance_limit")
        let broken = try #require(failure("Content/catalog.yaml") { $0 + "\n  - name: [unclosed\n" })
        #expect(broken.reason.contains("not valid YAML"))
        #expect(broken.line != nil)
        let empty = try #require(failure("Content/catalog.yaml") { _ in "# nothing\n" })
        #expect(empty.reason.contains("empty"))
    }
}

@Suite struct Quantities {
    @Test func units() {
        #expect(Units.bytes("5MB") == 5_242_880)
        #expect(Units.bytes("512 KiB") == 524_288)
        #expect(Units.bytes("1048576") == 1_048_576)
        #expect(Units.bytes("0") == nil)
        #expect(Units.bitsPerSecond("10Mbps") == 10_000_000)
        #expect(Units.bitsPerSecond("200mbit") == 200_000_000)
        #expect(Units.milliseconds("30s") == 30_000)
        #expect(Units.milliseconds("5ms") == 5)
        #expect(Units.milliseconds("-1s") == nil)
        #expect(Units.milliseconds("soon") == nil)
    }

    @Test func addressesAndPools() throws {
        #expect(IPAddress("127.1.2.3")?.bytes == [127, 1, 2, 3])
        #expect(IPAddress("127.1.2") == nil)
        #expect(IPAddress("127.1.2.300") == nil)
        for bad in ["", ".1.2.3", "1..2.3", "1.2.3.", "1.2.3.4.5", "1.2.3.0004", "1.2.3.a", "1.2.3.-1", "١.2.3.4", " 1.2.3.4"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPAddress("010.0.0.255")?.bytes == [10, 0, 0, 255])
        #expect(IPAddress("255.255.255.255")?.bytes == [255, 255, 255, 255])
        #expect(IPAddress("fd00::1")?.bytes == [0xfd, 0] + Array(repeating: 0, count: 13) + [1])
        #expect(IPAddress("1::2::3") == nil)
        let pool = try #require(IPPrefix("127.11.0.0/16"))
        #expect(pool.contains(try #require(IPAddress("127.11.200.1"))))
        #expect(!pool.contains(try #require(IPAddress("127.12.0.1"))))
        #expect(pool.overlaps(try #require(IPPrefix("127.11.3.0/24"))))
        #expect(!pool.overlaps(try #require(IPPrefix("127.12.0.0/16"))))
        #expect(IPPrefix("127.11.0.1/16") == nil)
        #expect(SocketEndpoint("[::1]:53")?.port == 53)
        #expect(SocketEndpoint("127.0.0.1:70000") == nil)
        #expect(DomainName("Video1.CDN.example")?.description == "video1.cdn.example.")
        #expect(DomainName("bad_label.example") == nil)
        #expect(DomainName(String(repeating: "a", count: 64) + ".example") == nil)
    }
}
