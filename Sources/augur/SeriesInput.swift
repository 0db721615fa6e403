import Foundation

/// A numeric series read from text: one number per line, or one column of a CSV file.
/// Every problem names the line it is on.
struct SeriesInput {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let values: [Double]

    /// `column` is a header name or a 1-based index; without it each line is one number.
    init(text: String, source: String, column: String?, allowNegative: Bool) throws(Failure) {
        var values: [Double] = []
        var columnIndex: Int? = column.flatMap(Int.init).map { $0 - 1 }
        if let index = columnIndex, index < 0 { throw Failure(description: "--column \(column ?? "") must be 1 or more") }
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let place = "\(source):\(offset + 1)"
            var field = line
            if let column {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                if columnIndex == nil {
                    guard let found = fields.firstIndex(of: column) else { throw Failure(description: "\(place): no column named '\(column)' in the header (\(fields.joined(separator: ", ")))") }
                    columnIndex = found
                    continue
                }
                guard let index = columnIndex, index < fields.count else { throw Failure(description: "\(place): the line has \(fields.count) fields, no column \(column)") }
                field = fields[index]
                if values.isEmpty, Double(field) == nil, Int(column) != nil, offset == 0 { continue }
            }
            guard let value = Double(field), value.isFinite else { throw Failure(description: "\(place): '\(field)' is not a finite number") }
            if !allowNegative, value < 0 { throw Failure(description: "\(place): \(field) is negative; request counts cannot be (--allow-negative for other series)") }
            values.append(value)
        }
        guard !values.isEmpty else { throw Failure(description: "\(source): no values") }
        self.values = values
    }
}
