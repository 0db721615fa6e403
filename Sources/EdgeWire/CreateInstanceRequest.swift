/// The body of `POST /v1/instances`: what to serve and how; the operator fills in the rest
/// (an address from the runtime's pool, the image from the private registry, the paper's limits).
public struct CreateInstanceRequest: Sendable, Hashable, Codable {
    public var content: String
    public var flavor: String
    public var image: String?
    public var address: String?
    public var cpus: Double?
    public var memoryMegabytes: Int?

    public init(content: String, flavor: String, image: String? = nil, address: String? = nil, cpus: Double? = nil, memoryMegabytes: Int? = nil) {
        self.content = content
        self.flavor = flavor
        self.image = image
        self.address = address
        self.cpus = cpus
        self.memoryMegabytes = memoryMegabytes
    }
}
