import Yams

/// One configuration file's text, parsed once: decodes typed sections and turns
/// a field path into a `ConfigError` that carries the line where that field stands.
public struct ConfigDocument {
    /// A step in a field path: a mapping key or a sequence index.
    public enum PathStep: Sendable, Hashable, CustomStringConvertible {
        case key(String)
        case index(Int)

        public var description: String {
            switch self {
            case .key(let key): return key
            case .index(let index): return "[\(index)]"
            }
        }
    }

    public let file: String
    private let text: String
    private let root: Yams.Node?

    public init(file: String, text: String) throws(ConfigError) {
        self.file = file
        self.text = text
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), field: "", reason: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: file, line: nil, field: "", reason: "not valid YAML: \(error)")
        }
    }

    /// Decodes the whole document as `T`, mapping decoding failures to the offending field.
    /// A key no field of `T` reads is an error too (see `UnknownFieldCheck`), naming the
    /// nearest known key; the message counts the file's other unknown keys.
    public func decode<T: Decodable>(_ type: T.Type) throws(ConfigError) -> T {
        guard let root else {
            throw ConfigError(file: file, line: nil, field: "", reason: "the file is empty")
        }
        let value: T
        do {
            value = try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw ConfigError(file: file, line: nil, field: "", reason: "\(error)")
        }
        let unknown = UnknownFieldCheck.findings(T.self, in: root)
        if let first = unknown.first {
            let others = unknown.dropFirst().map { Self.render($0.path + [.key($0.key)]) }
            var reason = "unknown field"
            if let suggestion = first.suggestion { reason += " (did you mean '\(suggestion)'?)" }
            if !others.isEmpty { reason += "; also unknown: \(others.joined(separator: ", "))" }
            throw error(first.path + [.key(first.key)], reason)
        }
        return value
    }

    /// An error about the field at `path`, with the line of that field when it exists.
    public func error(_ path: [PathStep], _ reason: String) -> ConfigError {
        ConfigError(file: file, line: line(at: path), field: Self.render(path), reason: reason)
    }

    /// The 1-based line of the node at `path`, or of its closest existing ancestor.
    public func line(at path: [PathStep]) -> Int? {
        guard var node = root else { return nil }
        for step in path {
            let next: Yams.Node?
            switch step {
            case .key(let key): next = node.mapping?[Yams.Node(key)]
            case .index(let index):
                if let sequence = node.sequence, sequence.indices.contains(index) {
                    next = sequence[index]
                } else {
                    next = nil
                }
            }
            guard let found = next else { break }
            node = found
        }
        return node.mark.map { $0.line }
    }

    static func render(_ path: [PathStep]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let key): out += out.isEmpty ? key : ".\(key)"
            case .index: out += step.description
            }
        }
        return out
    }

    private func describe(_ error: DecodingError) -> ConfigError {
        let (context, reason): (DecodingError.Context, String)
        switch error {
        case .typeMismatch(let type, let ctx): (context, reason) = (ctx, "expected \(Self.kind(type))")
        case .valueNotFound(let type, let ctx): (context, reason) = (ctx, "expected \(Self.kind(type)), found nothing")
        case .keyNotFound(let key, let ctx):
            return self.error(Self.steps(ctx.codingPath), "missing required field '\(key.stringValue)'")
        case .dataCorrupted(let ctx): (context, reason) = (ctx, ctx.debugDescription)
        @unknown default: return ConfigError(file: file, line: nil, field: "", reason: "\(error)")
        }
        return self.error(Self.steps(context.codingPath), reason)
    }

    private static func steps(_ codingPath: [any CodingKey]) -> [PathStep] {
        codingPath.map { key in key.intValue.map(PathStep.index) ?? .key(key.stringValue) }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt32.Type, is UInt16.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            return name.hasPrefix("Array") ? "a list" : (name.hasPrefix("Dictionary") ? "a mapping" : "a \(name)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
