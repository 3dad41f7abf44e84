/// Number formatting without Foundation.
func formatFixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
    }
    return text
}

/// An integer with thousands separators: 1234567 -> "1,234,567".
func formatGrouped(_ value: Double) -> String {
    guard value.isFinite else { return "-" }
    let digits = String(Int(value.rounded()))
    var result = ""
    for (index, character) in digits.reversed().enumerated() {
        if index > 0 && index % 3 == 0 && character != "-" { result.append(",") }
        result.append(character)
    }
    return String(result.reversed())
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func leftPad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// A Markdown table with columns padded to line up in a terminal too.
struct MarkdownTable {
    var header: [String]
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int>
    var rows: [[String]] = []

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell in
                rightAligned.contains(index) ? leftPad(cell, widths[index]) : pad(cell, widths[index])
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.enumerated().map { index, width in
            rightAligned.contains(index) ? String(repeating: "-", count: width + 1) + ":" : String(repeating: "-", count: width + 2)
        }.joined(separator: "|") + "|"
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// The tables printed after a run.
enum ReportTables {
    private static func mebibytes(_ bytes: Int) -> String { formatFixed(Double(bytes) / 1_048_576, 1) }

    private static func optional(_ value: Double?) -> String { value.map { formatFixed($0, 2) } ?? "n/a" }

    /// Every workload on every engine, with all the measurements.
    static func details(_ report: RunReport) -> String {
        var table = MarkdownTable(
            header: ["benchmark", "engine", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "disk MiB",
                     "peak RSS MiB", "WA engine", "WA write()", "check"],
            rightAligned: Set(2...9))
        for spec in benchmarkNames(report) {
            for engine in report.engines {
                guard let result = engine.workloads.first(where: { $0.benchmark == spec }) else { continue }
                let latency = result.latencyMicroseconds
                table.rows.append([
                    spec, engine.engine.rawValue, formatGrouped(result.operationsPerSecond),
                    formatFixed(latency.p50, 2), formatFixed(latency.p99, 2), formatFixed(latency.p999, 2),
                    mebibytes(result.diskBytes), mebibytes(result.peakResidentSetBytes),
                    result.workload.writes ? optional(result.writeAmplificationEngine) : "",
                    result.workload.writes ? optional(result.writeAmplificationSyscalls) : "",
                    (result.verified ? "ok: " : "FAILED: ") + result.verification,
                ])
            }
        }
        return table.render()
    }

    /// Throughput per engine and the ratios the targets use: Tern ÷ the best of RocksDB
    /// and LevelDB (above 1: Tern is faster) for throughput, and for p99 latency (below 1:
    /// Tern's tail is shorter); then Tern ÷ the best of every peer, SQLite included.
    static func comparison(_ report: RunReport) -> String {
        let engines = report.engines.map(\.engine)
        let targets = ["Tern ÷ best LSM (ops/s)", "best LSM", "Tern ÷ best LSM (p99)", "Tern ÷ best peer (ops/s)", "best peer"]
        var table = MarkdownTable(
            header: ["benchmark"] + engines.map { "\($0.rawValue) ops/s" } + targets,
            rightAligned: Set(1...(engines.count + targets.count)).subtracting([engines.count + 2, engines.count + 5]))
        for spec in benchmarkNames(report) {
            var row = [spec]
            var tern: WorkloadResult?
            var peers: [(EngineKind, WorkloadResult)] = []
            for engine in report.engines {
                let result = engine.workloads.first { $0.benchmark == spec }
                guard let result, result.verified else {
                    row.append(result == nil ? "-" : "(failed check)")
                    continue
                }
                row.append(formatGrouped(result.operationsPerSecond))
                if engine.engine == .tern { tern = result } else { peers.append((engine.engine, result)) }
            }
            let lsmPeers = peers.filter { $0.0 == .rocksdb || $0.0 == .leveldb }
            for (group, withP99) in [(lsmPeers, true), (peers, false)] {
                guard let tern, let best = group.max(by: { $0.1.operationsPerSecond < $1.1.operationsPerSecond }) else {
                    row.append(contentsOf: withP99 ? ["-", "-", "-"] : ["-", "-"])
                    continue
                }
                row.append(formatFixed(tern.operationsPerSecond / best.1.operationsPerSecond, 2))
                row.append(best.0.rawValue)
                if withP99 {
                    let bestP99 = group.map(\.1.latencyMicroseconds.p99).min() ?? .infinity
                    row.append(formatFixed(tern.latencyMicroseconds.p99 / bestP99, 2))
                }
            }
            table.rows.append(row)
        }
        return table.render()
    }

    /// The benchmark names in the order they ran.
    private static func benchmarkNames(_ report: RunReport) -> [String] {
        var names: [String] = []
        for engine in report.engines {
            for result in engine.workloads where !names.contains(result.benchmark) { names.append(result.benchmark) }
        }
        return names
    }
}
