import Foundation
import Yams

/// Finds the keys of a configuration file that no field reads — `tll:` for `ttl:`, a top-level
/// `reigons:` — which a decoder would otherwise skip without a word, so the operator's setting
/// would never take effect. It decodes the document once more, with a decoder that notes for
/// every mapping which keys the type asked for. A type asks for each key it declares, present
/// or not, so what it asked is also where the nearest known key is chosen from.
enum UnknownFieldCheck {
    /// A key no field reads, where it stands, and the nearest key the type does read there.
    struct Finding: Equatable {
        let path: [ConfigDocument.PathStep]
        let key: String
        let suggestion: String?
    }

    /// The unknown keys of `root` decoded as `T`, in document order. Empty when the second
    /// decoding fails: the first one (`ConfigDocument.decode`) is the judge of values.
    static func findings<T: Decodable>(_ type: T.Type, in root: Yams.Node) -> [Finding] {
        let notes = ReadNotes()
        guard (try? T(from: NoteTakingDecoder(node: root, path: [], notes: notes))) != nil else { return [] }
        return notes.findings()
    }

    /// The known key within two edits of `key` (the closest, ties by order), if any.
    static func nearest(_ key: String, among known: [String]) -> String? {
        let scored = known.map { ($0, distance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance, with a swap of neighbours counted as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var rows = [Array(0...b.count), Array(repeating: 0, count: b.count + 1), Array(repeating: 0, count: b.count + 1)]
        for i in 1...a.count {
            let (row, previous, before) = (i % 3, (i + 2) % 3, (i + 1) % 3)
            rows[row][0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(rows[previous][j] + 1, rows[row][j - 1] + 1, rows[previous][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { best = min(best, rows[before][j - 2] + 1) }
                rows[row][j] = best
            }
        }
        return rows[a.count % 3][b.count]
    }
}

/// What the note-taking decoder saw: each mapping it opened and the keys asked of it.
private final class ReadNotes {
    private var mappings: [(path: [ConfigDocument.PathStep], keys: [String])] = []
    private var asked: [[ConfigDocument.PathStep]: [String]] = [:]

    func opened(_ mapping: Yams.Node.Mapping, at path: [ConfigDocument.PathStep]) {
        guard asked[path] == nil else { return }
        asked[path] = []
        mappings.append((path, mapping.keys.compactMap(\.string)))
    }

    func asked(_ key: String, at path: [ConfigDocument.PathStep]) {
        if asked[path]?.contains(key) == false { asked[path]?.append(key) }
    }

    func findings() -> [UnknownFieldCheck.Finding] {
        mappings.flatMap { mapping in
            let known = asked[mapping.path] ?? []
            return mapping.keys.filter { !known.contains($0) }.map { key in
                UnknownFieldCheck.Finding(path: mapping.path, key: key, suggestion: UnknownFieldCheck.nearest(key, among: known))
            }
        }
    }
}

/// A coding key for any mapping key or sequence index of the path.
private struct PathKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }

    init(_ step: ConfigDocument.PathStep) {
        switch step {
        case .key(let key): self.init(stringValue: key)
        case .index(let index): self.init(intValue: index)
        }
    }
}

/// Decodes mappings and sequences itself, noting the keys asked, and leaves scalars to Yams.
private struct NoteTakingDecoder: Decoder {
    let node: Yams.Node
    let path: [ConfigDocument.PathStep]
    let notes: ReadNotes

    var codingPath: [any CodingKey] { path.map(PathKey.init) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let mapping = node.mapping else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "not a mapping"))
        }
        notes.opened(mapping, at: path)
        return KeyedDecodingContainer(MappingReader<Key>(mapping: mapping, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let sequence = node.sequence else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "not a list"))
        }
        return SequenceReader(items: Array(sequence), decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ScalarReader(decoder: self) }

    func child(_ node: Yams.Node, _ step: ConfigDocument.PathStep) -> NoteTakingDecoder {
        NoteTakingDecoder(node: node, path: path + [step], notes: notes)
    }

    /// A scalar through Yams (its rules for numbers, booleans and strings); anything else through
    /// this decoder, so that its mappings are noted too.
    func value<T: Decodable>(_ type: T.Type) throws -> T {
        if node.scalar != nil { return try YAMLDecoder().decode(T.self, from: node) }
        return try T(from: self)
    }
}

private struct MappingReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let mapping: Yams.Node.Mapping
    let decoder: NoteTakingDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { mapping.keys.compactMap { $0.string.flatMap(Key.init(stringValue:)) } }

    private func node(_ key: Key) -> Yams.Node? {
        decoder.notes.asked(key.stringValue, at: decoder.path)
        return mapping[key.stringValue]
    }

    private func required(_ key: Key) throws -> NoteTakingDecoder {
        guard let found = node(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no \(key.stringValue)"))
        }
        return decoder.child(found, .key(key.stringValue))
    }

    func contains(_ key: Key) -> Bool { node(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { node(key).map { $0.null != nil } ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try required(key).value(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try required(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try required(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder { try required(key) }
}

private struct SequenceReader: UnkeyedDecodingContainer {
    let items: [Yams.Node]
    let decoder: NoteTakingDecoder
    var currentIndex = 0

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> NoteTakingDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the list has ended"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], .index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].null != nil else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().value(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct ScalarReader: SingleValueDecodingContainer {
    let decoder: NoteTakingDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.node.null != nil }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.value(T.self) }
}
