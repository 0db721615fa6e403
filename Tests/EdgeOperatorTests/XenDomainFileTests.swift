import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing

/// What the xen driver writes for `xl`, checked without a hypervisor: only allowlisted domain
/// settings from an artifact, and a guest told its address on its kernel command line.
@Suite struct XenDomainFileTests {
    static let spec = InstanceSpec(
        id: "video1-xen-linux-1", edge: "xen-1", content: "video1", flavor: "xen-linux", runtime: .xen,
        image: "10.220.0.1:5000/augur/xen-linux:video1", address: "10.220.0.65", port: 8080)

    static func artifact(settings: [String: String] = [:], ramdisk: Bool = true) -> LocalArtifact {
        LocalArtifact(
            kernel: URL(fileURLWithPath: "/var/lib/augur/edge/artifacts/blobs/sha256/k"),
            ramdisk: ramdisk ? URL(fileURLWithPath: "/var/lib/augur/edge/artifacts/blobs/sha256/r") : nil,
            config: .init(flavor: "xen-linux", content: "video1", domainSettings: settings), digest: "sha256:m", bytes: 1, pulled: true)
    }

    @Test(arguments: [
        ["bootloader": "\"/usr/bin/pygrub\""], ["device_model_override": "\"/tmp/x\""], ["disk": "['/dev/sda,raw,xvda,w']"],
        ["memory": "64; bootloader = 1"], ["on_crash": "\"reboot-and-run\""], ["extra": "a\" bootloader=\"x"],
        ["extra": "\"augur.address=10.220.0.66/24\""], ["extra": "loglevel=3 augur.port=80"], ["extra": "augur.gateway=10.0.0.1"],
        ["extra": "init=/bin/sh"], ["extra": "quiet rdinit=/x"],
    ])
    func settingsOutsideTheAllowlistOrMalformedAreRefused(_ settings: [String: String]) {
        #expect(throws: EdgeError.self) { try DomainSettings.validated(settings, image: "r/x:y") }
    }

    @Test func allowedSettingsComeOutAsXlLinesAndExtraAsCommandLine() throws {
        let validated = try DomainSettings.validated(["memory": "128", "on_crash": "\"preserve\"", "extra": "\"loglevel=3\""], image: "r/x:y")
        #expect(validated.values == ["memory": "128", "on_crash": "\"preserve\""])
        #expect(validated.extraCommandLine == "loglevel=3")
    }

    @Test func aPushWithAForbiddenSettingIsRefusedBeforeAnyUpload() async throws {
        // The registry address is never contacted: the settings are checked first.
        let reference = try #require(ImageReference("127.0.0.1:1/augur/xen-linux:video1"))
        await #expect(throws: EdgeError.self) {
            try await UnikernelArtifact.push(kernel: Data([1]), config: .init(flavor: "xen-linux", content: "video1", domainSettings: ["bootloader": "\"pygrub\""]), to: reference)
        }
    }

    @Test func theDomainFileCarriesKernelRamdiskBridgeAndTheGuestsNetworkOnItsCommandLine() throws {
        let network = XenGuestNetwork(bridge: "xenbr0", gateway: IPAddress("10.220.0.1"), prefixLength: 24)
        let file = XenDriver.domainConfiguration(
            Self.spec, name: "augur-video1-xen-linux-1", artifact: Self.artifact(), network: network,
            settings: try DomainSettings.validated(["vcpus": "2"], image: Self.spec.image))
        let lines = file.split(separator: "\n").map(String.init)
        #expect(lines.contains("kernel = \"/var/lib/augur/edge/artifacts/blobs/sha256/k\""))
        #expect(lines.contains("ramdisk = \"/var/lib/augur/edge/artifacts/blobs/sha256/r\""))
        #expect(lines.contains("vif = [ 'mac=\(XenDriver.macAddress(for: Self.spec.id)),bridge=xenbr0' ]"))
        #expect(lines.contains("extra = \"console=hvc0 augur.address=10.220.0.65/24 augur.port=8080 augur.gateway=10.220.0.1\""))
        #expect(lines.filter { $0.hasPrefix("vcpus") } == ["vcpus = 1"], "the artifact's vcpus, bounded by the spec's one, once")
        #expect(!file.contains("ip="), "a guest does not take its address from the vif")
    }

    /// The guest keeps a key's last value: the driver's keys come after the artifact's
    /// `extra`, and memory and vcpus are the spec's at most.
    @Test func theDriversKeysComeLastAndMemoryAndVcpusAreBoundedByTheSpec() throws {
        var spec = Self.spec
        spec.memoryMegabytes = 96
        spec.cpus = 2
        let settings = try DomainSettings.validated(["extra": "loglevel=3", "memory": "4096", "maxmem": "64", "vcpus": "8", "maxvcpus": "2"], image: spec.image)
        let file = XenDriver.domainConfiguration(
            spec, name: "augur-x", artifact: Self.artifact(), network: XenGuestNetwork(prefixLength: 24), settings: settings)
        let lines = file.split(separator: "\n").map(String.init)
        #expect(lines.contains("extra = \"console=hvc0 loglevel=3 augur.address=10.220.0.65/24 augur.port=8080\""))
        #expect(lines.contains("memory = 96") && lines.contains("maxmem = 64"), "\(lines)")
        #expect(lines.contains("vcpus = 2") && lines.contains("maxvcpus = 2"), "\(lines)")
    }

    @Test func aGuestWithoutRamdiskOrGatewayGetsNeither() throws {
        let file = XenDriver.domainConfiguration(
            Self.spec, name: "augur-x", artifact: Self.artifact(ramdisk: false), network: XenGuestNetwork(prefixLength: 26),
            settings: DomainSettings.Validated())
        #expect(!file.contains("ramdisk") && !file.contains("augur.gateway"))
        #expect(file.contains("augur.address=10.220.0.65/26"))
    }
}
