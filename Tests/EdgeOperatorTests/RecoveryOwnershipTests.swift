import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport

/// Recovery harms nothing it does not own: a pid file that names another process (stale
/// after a reboot) or pid 1 is never signalled; an `augur-` domain without a spec is
/// destroyed, and one that will not go keeps its address out of use; a Xen state folder that
/// cannot be read fails instead of meaning "nothing runs". No root: the `xl` double, loopback.
@Suite struct RecoveryOwnershipTests {
    /// An emulated instance's folder with its spec and a pid file reading `pid`.
    static func emulatedInstance(pidFile pid: String) throws -> (EmulatedDriver, InstanceSpec) {
        let state = Testbed.temporaryDirectory("ownership")
        let spec = InstanceSpec(id: "owned-test", edge: "edge-1", content: "video1", flavor: "clickos", runtime: .emulated, image: "127.0.0.1:5000/augur/clickos:video1", address: "127.11.3.77", port: 8080)
        let home = state.appendingPathComponent("emulated/\(spec.id)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try JSONEncoder().encode(spec).write(to: home.appendingPathComponent("spec.json"))
        try Data("\(pid)\n".utf8).write(to: home.appendingPathComponent("nginx.pid"))
        return (EmulatedDriver(flavors: [:], payloads: state, stateDirectory: state), spec)
    }

    @Test func aStalePidFileNeverSignalsAnotherProcessGroup() async throws {
        // Another program in a process group of its own, as a pid reused after a reboot would be.
        let stranger = Process()
        stranger.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        stranger.arguments = ["-c", "import os, time\nif os.getpgrp() != os.getpid(): os.setsid()\ntime.sleep(60)"]
        try stranger.run()
        defer { stranger.terminate() }
        for _ in 0..<300 where ProcessUsage.members(of: stranger.processIdentifier).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ProcessUsage.members(of: stranger.processIdentifier) == [stranger.processIdentifier], "the stranger leads its own group")
        let (driver, spec) = try Self.emulatedInstance(pidFile: "\(stranger.processIdentifier)")
        #expect(try await driver.discover().map(\.running) == [false], "another program is not this instance running")
        try await driver.destroy(RuntimeHandle(spec.id), spec: spec)
        #expect(ProcessUsage.isAlive(stranger.processIdentifier), "the stranger was not signalled")
    }

    @Test(arguments: ["1", "0", "-1"])
    func aPidFileNamingInitOrLessIsNeverActedOn(_ pid: String) async throws {
        let (driver, spec) = try Self.emulatedInstance(pidFile: pid)
        #expect(try await driver.discover().map(\.running) == [false])
        // kill(-1) would signal every process this one may signal: the test run survives it.
        try await driver.destroy(RuntimeHandle(spec.id), spec: spec)
    }

    /// A domain the double runs without a spec in the driver's folder.
    static func specLessDomain(state: URL, address: String, failDestroy: Bool) throws -> (XenDriver, String) {
        let double = Testbed.root.appendingPathComponent("Tests/EdgeOperatorTests/Doubles/xl").path
        let wrapper = state.appendingPathComponent("xl")
        let fail = failDestroy ? " XL_DOUBLE_FAIL_DESTROY=1" : ""
        try "#!/bin/sh\nexec env XL_DOUBLE_STATE='\(state.path)/xl-state' XL_DOUBLE_PORT=18087\(fail) '\(double)' \"$@\"\n".write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        let kernel = state.appendingPathComponent("kernel")
        try Data([1]).write(to: kernel)
        let config = state.appendingPathComponent("orphan.cfg")
        try "name = \"augur-orphan\"\nkernel = \"\(kernel.path)\"\nextra = \"console=hvc0 augur.address=\(address)/24 augur.port=18087\"\n".write(to: config, atomically: true, encoding: .utf8)
        let created = Process()
        created.executableURL = URL(fileURLWithPath: wrapper.path)
        created.arguments = ["create", config.path]
        try created.run()
        created.waitUntilExit()
        guard created.terminationStatus == 0 else { throw TestbedError(description: "the xl double did not create the domain") }
        return (XenDriver(stateDirectory: state, network: XenGuestNetwork(prefixLength: 24), xl: wrapper.path, platformVendor: "test"), wrapper.path)
    }

    static func listed(_ xl: String) throws -> String {
        let list = Process()
        let pipe = Pipe()
        list.executableURL = URL(fileURLWithPath: xl)
        list.arguments = ["list"]
        list.standardOutput = pipe
        try list.run()
        list.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test func aDomainWithoutASpecIsDestroyed() async throws {
        let state = Testbed.temporaryDirectory("xen-orphan")
        let (driver, xl) = try Self.specLessDomain(state: state, address: "127.0.0.78", failDestroy: false)
        #expect(try await driver.discover().isEmpty)
        #expect(!(try Self.listed(xl)).contains("augur-orphan"), "the spec-less domain is gone")
        #expect(driver.addressIsFree("127.0.0.78", port: 18087))
    }

    @Test func aDomainWithoutASpecThatWillNotGoKeepsItsAddress() async throws {
        let state = Testbed.temporaryDirectory("xen-stuck")
        let (driver, xl) = try Self.specLessDomain(state: state, address: "127.0.0.79", failDestroy: true)
        defer {
            // The double's guest: stopped here, since its destroy was made to fail.
            let pids = (try? String(contentsOf: state.appendingPathComponent("xl-state/domains.json"), encoding: .utf8)) ?? ""
            if let match = pids.firstMatch(of: /"pid": (\d+)/), let pid = Int32(match.1) { kill(-pid, SIGKILL) }
        }
        #expect(try await driver.discover().isEmpty)
        #expect((try Self.listed(xl)).contains("augur-orphan"))
        #expect(!driver.addressIsFree("127.0.0.79", port: 18087), "a guest still answers there")
        #expect(driver.addressIsFree("127.0.0.80", port: 18087))
    }

    @Test func anUnreadableXenStateFolderFailsInsteadOfMeaningNothingRuns() async throws {
        let state = Testbed.temporaryDirectory("xen-unreadable")
        try Data("not a folder".utf8).write(to: state.appendingPathComponent("xen"))
        let (driver, _) = try Self.specLessDomain(state: state, address: "127.0.0.81", failDestroy: false)
        let error = await #expect(throws: EdgeError.self) { try await driver.discover() }
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("cannot read the state folder"))
    }
}
