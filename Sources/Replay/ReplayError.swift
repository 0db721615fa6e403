/// A replay that cannot start or go on, and why (a scenario the configuration cannot serve,
/// an output folder that is not the replay's, edges that cannot be emptied).
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
