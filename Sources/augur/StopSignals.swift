import Dispatch
import Foundation

/// SIGINT and SIGTERM turned into a call, for a command that must stop what it started before
/// it exits (the default action would kill it on the spot). Cancel it to restore the defaults.
final class StopSignals {
    private let sources: [DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (String) -> Void) {
        sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(name) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
