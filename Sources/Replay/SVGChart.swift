import Foundation

/// A line chart as a standalone SVG file: one polyline per series over a shared x axis, with
/// axes, ticks and a legend. Enough for the replay's figures without a plotting toolkit.
struct SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Shaded x ranges (e.g. the training cycle), with a label.
    var bands: [(from: Double, to: Double, label: String)] = []

    private static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    var svg: String {
        let width = 760.0, height = 420.0, left = 70.0, right = 170.0, top = 40.0, bottom = 50.0
        let all = series.flatMap(\.points)
        let xMin = all.map(\.x).min() ?? 0, xMax = max(all.map(\.x).max() ?? 1, xMin + 1)
        let yMax = max(all.map(\.y).max() ?? 1, 1e-9) * 1.1
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - y / yMax * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(Self.escape(title))</text>

            """
        for band in bands {
            out += "<rect x=\"\(f(px(band.from)))\" y=\"\(f(top))\" width=\"\(f(px(band.to) - px(band.from)))\" height=\"\(f(plotHeight))\" fill=\"#eeeeee\"/>\n"
            out += "<text x=\"\(f((px(band.from) + px(band.to)) / 2))\" y=\"\(f(top + 14))\" text-anchor=\"middle\" fill=\"#777\">\(Self.escape(band.label))</text>\n"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"black\"/>\n"
        for step in 0...5 {
            let y = yMax / 1.1 * Double(step) / 5
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Self.tick(y))</text>\n"
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(y)))\" stroke=\"#ddd\"/>\n"
        }
        let xStep = max(1, Int(((xMax - xMin) / 10).rounded(.up)))
        for x in stride(from: Int(xMin), through: Int(xMax), by: xStep) {
            out += "<text x=\"\(f(px(Double(x))))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(x)</text>\n"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text x=\"16\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotHeight / 2)))\">\(Self.escape(yLabel))</text>\n"
        for (index, line) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let points = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            let legendY = top + 10 + Double(index) * 18
            out += "<line x1=\"\(f(width - right + 12))\" y1=\"\(f(legendY))\" x2=\"\(f(width - right + 32))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(f(width - right + 38))\" y=\"\(f(legendY + 4))\">\(Self.escape(line.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    private static func tick(_ value: Double) -> String {
        value >= 10 ? String(format: "%.0f", value) : String(format: "%.2g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
