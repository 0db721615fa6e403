/// Where a reader of an edge's instance list left off: the operator's run (a restarted
/// operator starts another, and its revisions mean nothing to the old one's readers) and the
/// revision the reader has seen. Written `RUN.REVISION` in `GET /v1/instances?since=`.
public struct InstanceCursor: Sendable, Codable, Hashable, CustomStringConvertible {
    public var run: String
    public var revision: UInt64

    public init(run: String, revision: UInt64) {
        self.run = run
        self.revision = revision
    }

    /// Parses `RUN.REVISION` (the run is letters, digits and dashes, at most 64 of them); nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let dot = text.lastIndex(of: "."), let revision = UInt64(text[text.index(after: dot)...]) else { return nil }
        let run = text[..<dot]
        guard !run.isEmpty, run.count <= 64, run.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        self.init(run: String(run), revision: revision)
    }

    public var description: String { "\(run).\(revision)" }
}
