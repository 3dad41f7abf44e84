/// The main job's report: one self-contained HTML page (inline CSS and SVG, no script, no
/// network) with the summary beside the seed's targets and line charts over the run.
struct ReportPage {
    struct Row {
        var name: String
        var value: String
        var target: String
        /// nil: no target to meet.
        var met: Bool?
    }

    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    struct Chart {
        var title: String
        var yLabel: String
        var series: [Series]
        /// Shaded spans on the x axis (a partition), with a label.
        var spans: [(label: String, from: Double, to: Double)] = []
        /// Vertical markers (an event), with a label.
        var markers: [(label: String, at: Double)] = []
        /// The x axis' end (the run's length); nil: the last point.
        var xMax: Double?
    }

    var title: String
    var subtitle: String
    var rows: [Row]
    var charts: [Chart]
    var notes: [String]

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } .sub { color: #666; margin-top: 0; }
            table { border-collapse: collapse; margin: 1em 0 2em; width: 100%; }
            td, th { border-bottom: 1px solid #ddd; padding: 6px 10px; text-align: left; font-size: 0.95em; }
            th { background: #f4f4f4; } .met { color: #1a7f37; font-weight: 600; } .missed { color: #c62828; font-weight: 600; }
            .chart { margin: 1.5em 0; } .chart h2 { font-size: 1.1em; margin: 0 0 0.3em; }
            .legend span { display: inline-block; margin-right: 1.2em; font-size: 0.9em; }
            .legend i { display: inline-block; width: 14px; height: 4px; margin-right: 5px; vertical-align: middle; }
            ul { color: #444; }
            </style></head><body>
            <h1>\(escape(title))</h1><p class="sub">\(escape(subtitle))</p>
            <table><tr><th>measure</th><th>value</th><th>seed's target</th><th></th></tr>

            """
        for row in rows {
            let verdict = row.met.map { $0 ? "<span class=\"met\">met</span>" : "<span class=\"missed\">missed</span>" } ?? ""
            page += "<tr><td>\(escape(row.name))</td><td>\(escape(row.value))</td><td>\(escape(row.target))</td><td>\(verdict)</td></tr>\n"
        }
        page += "</table>\n"
        for chart in charts { page += svg(chart) }
        if !notes.isEmpty {
            page += "<h2>Notes</h2><ul>\n" + notes.map { "<li>\(escape($0))</li>" }.joined(separator: "\n") + "</ul>\n"
        }
        page += "</body></html>\n"
        return page
    }

    /// One line chart: axes with ticks, the series as polylines, spans shaded, markers dashed.
    private func svg(_ chart: Chart) -> String {
        let width = 940.0, height = 260.0, left = 60.0, right = 15.0, top = 10.0, bottom = 30.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let allPoints = chart.series.flatMap(\.points)
        let maxX = chart.xMax ?? max(1, allPoints.map(\.x).max() ?? 1, chart.spans.map(\.to).max() ?? 0)
        let maxY = niceCeiling(max(allPoints.map(\.y).max() ?? 1, 1e-9))
        func x(_ value: Double) -> Double { left + value / maxX * plotWidth }
        func y(_ value: Double) -> Double { top + plotHeight - value / maxY * plotHeight }
        var svg = "<div class=\"chart\"><h2>\(escape(chart.title))</h2>\n"
        svg += "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(chart.title))\">\n"
        for span in chart.spans {
            svg += "<rect x=\"\(fixed(x(span.from)))\" y=\"\(fixed(top))\" width=\"\(fixed(max(1, x(span.to) - x(span.from))))\" height=\"\(fixed(plotHeight))\" fill=\"#f6d7d7\"/>\n"
            svg += "<text x=\"\(fixed(x(span.from) + 4))\" y=\"\(fixed(top + 14))\" font-size=\"11\" fill=\"#a33\">\(escape(span.label))</text>\n"
        }
        for tick in 0...4 {
            let value = maxY * Double(tick) / 4
            svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(width - right))\" y1=\"\(fixed(y(value)))\" y2=\"\(fixed(y(value)))\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(y(value) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(label(value))</text>\n"
        }
        let xStep = niceCeiling(maxX / 8)
        var tick = 0.0
        while tick <= maxX {
            svg += "<text x=\"\(fixed(x(tick)))\" y=\"\(fixed(height - 10))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(label(tick))s</text>\n"
            tick += xStep
        }
        svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(left))\" y1=\"\(fixed(top))\" y2=\"\(fixed(top + plotHeight))\" stroke=\"#999\"/>\n"
        svg += "<line x1=\"\(fixed(left))\" x2=\"\(fixed(width - right))\" y1=\"\(fixed(top + plotHeight))\" y2=\"\(fixed(top + plotHeight))\" stroke=\"#999\"/>\n"
        svg += "<text x=\"12\" y=\"\(fixed(top + plotHeight / 2))\" font-size=\"11\" fill=\"#555\" transform=\"rotate(-90 12 \(fixed(top + plotHeight / 2)))\" text-anchor=\"middle\">\(escape(chart.yLabel))</text>\n"
        for marker in chart.markers {
            svg += "<line x1=\"\(fixed(x(marker.at)))\" x2=\"\(fixed(x(marker.at)))\" y1=\"\(fixed(top))\" y2=\"\(fixed(top + plotHeight))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
            // Near the right edge the label goes to the left of its line.
            let anchor = x(marker.at) > width - 150 ? "end" : "start"
            let offset = anchor == "end" ? -3.0 : 3.0
            svg += "<text x=\"\(fixed(x(marker.at) + offset))\" y=\"\(fixed(top + plotHeight - 4))\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#555\">\(escape(marker.label))</text>\n"
        }
        for (index, series) in chart.series.enumerated() where !series.points.isEmpty {
            let color = Self.palette[index % Self.palette.count]
            // A line per run of consecutive seconds: a second with no measurement (a link cut
            // off) is a gap, not an interpolation.
            var runs: [[(x: Double, y: Double)]] = [[]]
            for point in series.points {
                if let last = runs[runs.count - 1].last, point.x - last.x > 1.5 { runs.append([]) }
                runs[runs.count - 1].append(point)
            }
            for run in runs {
                if run.count == 1 {
                    svg += "<circle cx=\"\(fixed(x(run[0].x)))\" cy=\"\(fixed(y(run[0].y)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                } else {
                    let points = run.map { "\(fixed(x($0.x))),\(fixed(y($0.y)))" }.joined(separator: " ")
                    svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(points)\"/>\n"
                }
            }
        }
        svg += "</svg>\n<div class=\"legend\">"
        for (index, series) in chart.series.enumerated() {
            svg += "<span><i style=\"background:\(Self.palette[index % Self.palette.count])\"></i>\(escape(series.name))</span>"
        }
        return svg + "</div></div>\n"
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k at or above `value`.
    private func niceCeiling(_ value: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    private func fixed(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }

    private func label(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : format(value)
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
