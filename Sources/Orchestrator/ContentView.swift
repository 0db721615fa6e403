import AugurModel

/// A content as the loop uses it now: the catalog's facts with the run-time changes.
public struct ContentView: Sendable, Hashable, Codable {
    public var name: String
    public var sizeBytes: Int
    public var capacity: Int
    /// Deployed flavors, in order of preference.
    public var flavors: [String]
    /// Every flavor its DNS name answers.
    public var servedFlavors: [String]
    public var model: String
    /// The concrete model once the choice has settled, with why.
    public var modelInUse: String?
    public var policy: ScalingPolicy
}
