/// What an eviction freed: images (or unikernel artifacts) removed and their bytes.
public struct ImageEviction: Sendable, Hashable, Codable {
    public var images: Int
    public var bytes: Int

    public init(images: Int = 0, bytes: Int = 0) {
        self.images = images
        self.bytes = bytes
    }

    public static func + (lhs: ImageEviction, rhs: ImageEviction) -> ImageEviction {
        ImageEviction(images: lhs.images + rhs.images, bytes: lhs.bytes + rhs.bytes)
    }
}
