import AugurModel

/// Everything that can go wrong at an edge, with what and where, so that the API can answer
/// with the right status and the orchestrator can decide what to do next.
public enum EdgeError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidRequest(String)
    case unknownInstance(String)
    case limitReached(edge: String, limit: Int)
    case addressInUse(String)
    case imageNotFound(image: String, reason: String)
    case registryUnreachable(registry: String, reason: String)
    /// The registry answered 401: no login was sent, or it was not the registry's.
    case registryRefused(registry: String, reason: String)
    case digestMismatch(image: String, expected: String, actual: String)
    case runtimeUnreachable(runtime: RuntimeKind, endpoint: String, reason: String)
    case runtimeFailed(runtime: RuntimeKind, operation: String, reason: String)
    case neverReady(instance: String, afterSeconds: Double)
    /// The instance answers its readiness check but not its object: it would fail every user.
    case objectNotServed(instance: String, path: String, status: Int)
    /// The instance stopped while it booted (a guest that crashed), with what it last said.
    case bootFailed(instance: String, reason: String)
    case cancelled(instance: String)
    /// An instance failed and destroying it failed too: the runtime may still hold it.
    case leftBehind(instance: String, address: String, cause: String, destroy: String)

    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .unknownInstance(let id): "no instance '\(id)' on this edge"
        case .limitReached(let edge, let limit): "\(edge) already runs its limit of \(limit) instances"
        case .addressInUse(let address): "address \(address) is already in use"
        case .imageNotFound(let image, let reason): "image \(image) not found: \(reason)"
        case .registryUnreachable(let registry, let reason): "registry \(registry) unreachable: \(reason)"
        case .registryRefused(let registry, let reason): "registry \(registry) refused the pull: \(reason)"
        case .digestMismatch(let image, let expected, let actual): "\(image): blob digest \(actual) does not match \(expected)"
        case .runtimeUnreachable(let runtime, let endpoint, let reason): "\(runtime.rawValue) runtime at \(endpoint) unreachable: \(reason)"
        case .runtimeFailed(let runtime, let operation, let reason): "\(runtime.rawValue) \(operation) failed: \(reason)"
        case .neverReady(let instance, let seconds): "instance \(instance) did not serve within \(seconds) s; destroyed"
        case .objectNotServed(let instance, let path, let status):
            "instance \(instance) answers its readiness check but its object \(path) answers \(status); destroyed"
        case .bootFailed(let instance, let reason): "instance \(instance) stopped before it served: \(reason)"
        case .cancelled(let instance): "instance \(instance) was deleted before it was ready"
        case .leftBehind(let instance, let address, let cause, let destroy):
            "instance \(instance) failed (\(cause)) and destroying it failed too (\(destroy)): the runtime may still hold it at \(address); its address is not reused while it answers there, and a restarted operator removes it"
        }
    }
}
