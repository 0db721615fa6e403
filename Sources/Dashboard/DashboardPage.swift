import Hummingbird
import NIOCore

/// The operator's dashboard that `augur serve` serves at `/`: a page, a script and a style
/// sheet compiled into the executable (nothing is fetched from elsewhere). The shell is open
/// to anyone; the data it reads comes from the API with the session's token.
public enum DashboardPage {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    static let assets: [String: Asset] = [
        "/": Asset(bytes: PackageResources.dashboard_html, contentType: "text/html; charset=utf-8"),
        "/dashboard.js": Asset(bytes: PackageResources.dashboard_js, contentType: "text/javascript; charset=utf-8"),
        "/dashboard.css": Asset(bytes: PackageResources.dashboard_css, contentType: "text/css; charset=utf-8"),
    ]

    /// The paths it serves: the API lets anyone read them.
    public static var paths: Set<String> { Set(assets.keys) }

    /// Serves the page's files on `router`.
    public static func register<Context: RequestContext>(on router: Router<Context>) {
        for (path, asset) in assets {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: asset.contentType, .cacheControl: "no-cache",
                        // Everything the page needs is its own: no other origin, no inline script.
                        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
            }
        }
    }
}
