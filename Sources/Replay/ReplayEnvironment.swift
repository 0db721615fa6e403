import AugurModel
import Foundation
import Logging

/// What every run of a replay shares: the configuration, where the edges and users are, the
/// DNS balancer's address, the generated payloads, and where logs and progress lines go.
public struct ReplayEnvironment: Sendable {
    public let configuration: AugurConfiguration
    public let site: any ReplaySite
    public let dnsEndpoint: SocketEndpoint
    public let payloads: URL
    public let logger: Logger
    /// Called with each line as it happens (a round, a run's start).
    public let progress: @Sendable (String) -> Void

    public init(
        configuration: AugurConfiguration, site: any ReplaySite, dnsEndpoint: SocketEndpoint, payloads: URL, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.configuration = configuration
        self.site = site
        self.dnsEndpoint = dnsEndpoint
        self.payloads = payloads
        self.logger = logger
        self.progress = progress
    }
}
