import Deadline
import Synchronization
import Testing

/// Racing work against a time limit: the work's value when it is first, nil when the limit
/// is, and the loser is cancelled either way.
@Suite struct DeadlineTests {
    final class Flag: Sendable {
        let value = Atomic(false)
    }

    @Test func theFasterWinsAndTheLoserIsCancelled() async {
        #expect(await Deadline.race(.seconds(30)) { 42 } == 42)
        let cancelled = Flag()
        let result: Int? = await Deadline.race(.milliseconds(20)) {
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.value.store(true, ordering: .relaxed)
            }
            return 1
        }
        #expect(result == nil)
        let wasCancelled = cancelled.value.load(ordering: .relaxed)
        #expect(wasCancelled, "the slow work was cancelled")
    }
}
