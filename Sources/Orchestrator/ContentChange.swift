import AugurModel
/// A change of one content at run time (`PUT /v1/content/{name}`); absent fields stay.
public struct ContentChange: Sendable, Hashable, Codable {
    public var capacity: Int?
    public var flavors: [String]?
    /// A model choice as text, e.g. `ema:3` or `sarima:0,1,0,0,1,0,10`.
    public var model: String?
    /// How its capacity follows demand: `predictive`, `reactive` or `hybrid`.
    public var policy: ScalingPolicy?

    public init(capacity: Int? = nil, flavors: [String]? = nil, model: String? = nil, policy: ScalingPolicy? = nil) {
        self.capacity = capacity
        self.flavors = flavors
        self.model = model
        self.policy = policy
    }

    /// This change with `later`'s fields laid over it: what a content has after both.
    public func merged(with later: ContentChange) -> ContentChange {
        ContentChange(
            capacity: later.capacity ?? capacity, flavors: later.flavors ?? flavors, model: later.model ?? model, policy: later.policy ?? policy)
    }
}

/// Why a content change was refused.
public enum ContentChangeError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownContent(String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unknownContent(let name): "unknown content '\(name)'"
        case .invalid(let name, let reason): "content '\(name)': \(reason)"
        }
    }
}

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
