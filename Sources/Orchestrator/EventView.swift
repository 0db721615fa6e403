import Foundation

/// An event of the log.
public struct EventView: Sendable, Hashable, Codable {
    public var at: Date
    public var kind: String
    public var subject: String
    public var message: String

    public init(at: Date, kind: String, subject: String, message: String) {
        self.at = at
        self.kind = kind
        self.subject = subject
        self.message = message
    }
}
