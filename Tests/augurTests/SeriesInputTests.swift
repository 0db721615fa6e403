import Testing
@testable import augur

@Suite struct SeriesInputTests {
    private func failure(_ text: String, column: String? = nil, allowNegative: Bool = false) -> String? {
        do {
            _ = try SeriesInput(text: text, source: "in.txt", column: column, allowNegative: allowNegative)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func oneNumberPerLineSkippingBlanksAndComments() throws {
        let input = try SeriesInput(text: "# counts\n10\n\n 12 \n7.5\n", source: "in.txt", column: nil, allowNegative: false)
        #expect(input.values == [10, 12, 7.5])
    }

    @Test func csvColumnByNameOrIndex() throws {
        let csv = "interval,video1,video5\n0,100,20\n1,90,25\n"
        #expect(try SeriesInput(text: csv, source: "c.csv", column: "video5", allowNegative: false).values == [20, 25])
        #expect(try SeriesInput(text: csv, source: "c.csv", column: "2", allowNegative: false).values == [100, 90])
    }

    @Test func everyProblemNamesItsLine() {
        #expect(failure("1\n2\nabc\n") == "in.txt:3: 'abc' is not a finite number")
        #expect(failure("1\nnan\n") == "in.txt:2: 'nan' is not a finite number")
        #expect(failure("4\n-2\n") == "in.txt:2: -2 is negative; request counts cannot be (--allow-negative for other series)")
        #expect(failure("4\n-2\n", allowNegative: true) == nil)
        #expect(failure("") == "in.txt: no values")
        #expect(failure("a,b\n1,2\n", column: "c")?.hasPrefix("in.txt:1: no column named 'c'") == true)
        #expect(failure("a,b\n1\n", column: "b") == "in.txt:2: the line has 1 fields, no column b")
    }
}
