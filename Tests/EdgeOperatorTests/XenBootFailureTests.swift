import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing

/// A guest that stops while it boots, as the xen driver sees it through `xl list` and
/// xenconsoled's log, without a hypervisor: an `xl` stand-in script answers as xl does for a
/// running, a crashed and a vanished domain.
@Suite struct XenBootFailureTests {
    /// A driver whose `xl list NAME` prints `row` (or, with no row, xl's answer for a domain
    /// that does not exist), with a console log holding `console` for guest `augur-g`.
    static func driver(row: String?, console: String, script: String? = nil) throws -> XenDriver {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("augur-xen-boot-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let xl = folder.appendingPathComponent("xl")
        let body = script ?? row.map { "printf 'Name ID Mem VCPUs State Time(s)\\n%s\\n' '\($0)'" }
            ?? "echo 'augur-g is an invalid domain identifier (rc=-6)' >&2; exit 1"
        try "#!/bin/sh\n\(body)\n".write(to: xl, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: xl.path)
        try console.write(to: folder.appendingPathComponent("guest-augur-g.log"), atomically: true, encoding: .utf8)
        return XenDriver(
            stateDirectory: folder, network: XenGuestNetwork(prefixLength: 24), xl: xl.path, platformVendor: "test", consoleLogDirectory: folder)
    }

    static let spec = InstanceSpec(
        id: "g", edge: "xen-1", content: "video1", flavor: "augur-uk", runtime: .xen, image: "r/augur/augur-uk:video1", address: "10.220.0.65",
        port: 8080)
    static let console = "augur-uk: booting, 2048 pages, object /video1 of 1048576 bytes\naugur-uk: bad command line: augur.address is given twice (command line: …)\n"

    @Test func aRunningGuestHasNotFailed() async throws {
        let driver = try Self.driver(row: "augur-g 3 8 1 -b---- 0.1", console: "")
        #expect(await driver.bootFailure(RuntimeHandle("augur-g"), spec: Self.spec) == nil)
    }

    @Test func aCrashedGuestFailsWithItsConsolesLastLine() async throws {
        let driver = try Self.driver(row: "augur-g 3 8 1 --psc- 0.1", console: Self.console)
        let reason = try #require(await driver.bootFailure(RuntimeHandle("augur-g"), spec: Self.spec))
        #expect(reason.contains("is --psc-") && reason.contains("augur.address is given twice"), "\(reason)")
    }

    @Test func aGuestXlNoLongerKnowsFailsToo() async throws {
        let driver = try Self.driver(row: nil, console: Self.console)
        let reason = try #require(await driver.bootFailure(RuntimeHandle("augur-g"), spec: Self.spec))
        #expect(reason.contains("is gone") && reason.contains("bad command line"), "\(reason)")
    }

    @Test func aDestroyThatRacesXlsOwnTeardownOfACrashedGuestEndsWithItGone() async throws {
        let script = """
            case "$1" in
              destroy) echo 'libxl: error: libxl_linux.c:119:libxl__hotplug_nic: unable to read script' >&2; exit 1 ;;
              list) echo "$2 is an invalid domain identifier (rc=-6)" >&2; exit 1 ;;
            esac
            """
        let driver = try Self.driver(row: nil, console: "", script: script)
        try await driver.destroy(RuntimeHandle("augur-g"), spec: Self.spec)
        let stuck = try Self.driver(row: nil, console: "", script: "echo 'libxl: error: cannot destroy' >&2; exit 1")
        await #expect(throws: EdgeError.self) { try await stuck.destroy(RuntimeHandle("augur-g"), spec: Self.spec) }
    }

    @Test func onlyTheLastLinesOfALongConsoleAreKept() async throws {
        let long = (1...500).map { "line \($0)" }.joined(separator: "\n")
        let driver = try Self.driver(row: nil, console: long)
        #expect(await driver.consoleTail(of: "augur-g") == ["line 497", "line 498", "line 499", "line 500"])
    }
}
