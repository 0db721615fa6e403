@testable import augur
import AugurModel
@testable import ControlAPI
import EdgeOperator
@testable import EdgeWire
import Foundation
import Orchestrator
import Testing

/// Every output that shows an instance says whether it was a real Xen guest, a real container
/// or emulated, and prints a nested Xen host's functional-timing note beside its times.
@Suite struct InstanceLabelTests {
    static let note = "functional timing: Xen nested under QEMU (software emulation here), not comparable with hardware"

    @Test func theRuntimeAndWhetherItIsEmulatedDecideTheLabel() {
        #expect(InstanceTruth(runtime: .xen, emulated: false) == .realXenGuest)
        #expect(InstanceTruth(runtime: .docker, emulated: false) == .realContainer)
        #expect(InstanceTruth(runtime: .emulated, emulated: true) == .emulated)
        #expect(InstanceTruth(runtime: .xen, emulated: true) == .emulated)
        #expect(InstanceTruth.tally([.emulated, .realXenGuest, .emulated]) == "real-xen-guest=1;emulated=2")
    }

    @Test func statusNamesEachEdgesRealAndEmulatedInstancesAndTheNote() throws {
        let json = """
            {"intervals": 3, "trainingIntervals": 10, "edges": [
              {"edge": "edge-1", "reachable": true, "instances": {"ready": 2}, "answered": 2, "truth": {"emulated": 2}, "timingNotes": []},
              {"edge": "edge-4", "reachable": true, "instances": {"ready": 1}, "answered": 1, "truth": {"real-xen-guest": 1}, "timingNotes": ["\(Self.note)"]}]}
            """
        let status = try JSONDecoder().decode(StatusSummary.self, from: Data(json.utf8))
        let text = StatusReport(status).text
        #expect(text.contains("edge-1: reachable, 2 answered; ready 2 (2 emulated)"), "\(text)")
        #expect(text.contains("edge-4: reachable, 1 answered; ready 1 (1 real Xen guest)"), "\(text)")
        #expect(text.contains("  edge-4: \(Self.note)"))
    }
}
