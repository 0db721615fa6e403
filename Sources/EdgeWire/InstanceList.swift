/// The body of `GET /v1/instances`.
public struct InstanceList: Sendable, Codable {
    public var instances: [EdgeInstance]

    public init(instances: [EdgeInstance]) {
        self.instances = instances
    }
}
