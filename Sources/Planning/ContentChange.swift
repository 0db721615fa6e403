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
