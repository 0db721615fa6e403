/// The body of `GET /v1/instances`: the whole list, or (`complete` false) only the instances
/// that changed since the caller's cursor, with the cursor to ask from next time.
public struct InstanceList: Sendable, Codable {
    public var instances: [EdgeInstance]
    /// Where this list leaves its reader (nil: an operator that keeps no revisions).
    public var cursor: InstanceCursor?
    /// The list holds every instance the edge has: one it does not list is gone.
    public var complete: Bool

    public init(instances: [EdgeInstance], cursor: InstanceCursor? = nil, complete: Bool = true) {
        self.instances = instances
        self.cursor = cursor
        self.complete = complete
    }

    enum CodingKeys: String, CodingKey {
        case instances, cursor, complete
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        instances = try container.decode([EdgeInstance].self, forKey: .instances)
        cursor = try container.decodeIfPresent(InstanceCursor.self, forKey: .cursor)
        // An operator from before revisions sends whole lists and says nothing of it.
        complete = try container.decodeIfPresent(Bool.self, forKey: .complete) ?? true
    }
}
