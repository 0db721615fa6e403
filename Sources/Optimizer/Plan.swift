/// How the optimizer provisions. `paper` is the reference evaluation's rule; the other
/// settings go beyond it.
public struct PlanPolicy: Sendable, Hashable {
    /// Provision for this quantile of the forecast (0.5: the mean, as the paper does).
    public var quantile: Double
    /// Act on the forecast of the interval in which a new instance would be ready, so a slow
    /// flavor starts early enough; false plans for the next interval only (the paper).
    public var lookahead: Bool
    /// Remove only when the surplus exceeds this fraction of an instance, on top of a whole one.
    public var removalMargin: Double
    /// Intervals after a deploy of a content during which none of its instances is removed.
    public var cooldownIntervals: Int
    /// The stabilization window: intervals after the one of a reactive deploy during which none
    /// of the content's instances is removed, so that the next plan does not undo the reaction.
    public var stabilizationIntervals: Int

    public init(quantile: Double = 0.5, lookahead: Bool = false, removalMargin: Double = 0, cooldownIntervals: Int = 0, stabilizationIntervals: Int = 1) {
        self.quantile = quantile
        self.lookahead = lookahead
        self.removalMargin = removalMargin
        self.cooldownIntervals = cooldownIntervals
        self.stabilizationIntervals = stabilizationIntervals
    }

    /// The paper's rule: ⌈(forecast − capacity) / capacity per instance⌉ for the next interval.
    public static let paper = PlanPolicy()
}

/// What the optimizer decided for one interval.
public struct Plan: Sendable, Hashable {
    public var actions: [PlanAction]
    /// Instances that were needed but could not be placed, by content, with the reason.
    public var unmet: [UnmetDemand]

    public init(actions: [PlanAction] = [], unmet: [UnmetDemand] = []) {
        self.actions = actions
        self.unmet = unmet
    }
}

/// One step of a plan, with the reason an operator can read.
public enum PlanAction: Sendable, Hashable {
    case deploy(content: String, flavor: String, node: String, reason: String)
    case drain(instance: String, reason: String)
}

/// Demand the fleet cannot meet.
public struct UnmetDemand: Sendable, Hashable {
    public var content: String
    public var missingInstances: Int
    public var reason: String

    public init(content: String, missingInstances: Int, reason: String) {
        self.content = content
        self.missingInstances = missingInstances
        self.reason = reason
    }
}

/// What the optimizer remembers between intervals: the interval of each content's last
/// planned deploy (for the cooldown) and of its last reactive deploy (for the stabilization
/// window). Owned and stored by the orchestrator.
public struct PlannerMemory: Sendable, Hashable, Codable {
    public var lastDeploy: [String: Int]
    public var lastReaction: [String: Int]

    public init(lastDeploy: [String: Int] = [:], lastReaction: [String: Int] = [:]) {
        self.lastDeploy = lastDeploy
        self.lastReaction = lastReaction
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lastDeploy = try container.decode([String: Int].self, forKey: .lastDeploy)
        // A memory stored before reactions existed has none.
        lastReaction = try container.decodeIfPresent([String: Int].self, forKey: .lastReaction) ?? [:]
    }
}
