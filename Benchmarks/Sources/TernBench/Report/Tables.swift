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
            header: ["benchmark", "engine", "budget", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "disk MiB",
                     "peak RSS MiB", "WA engine", "WA write()", "check"],
            rightAligned: Set(3...10))
        for spec in benchmarkNames(report) {
            for engine in report.engines {
                guard let result = engine.workloads.first(where: { $0.benchmark == spec }) else { continue }
                let latency = result.latencyMicroseconds
                table.rows.append([
                    spec, engine.label, engine.engine == .null ? "-" : engine.budget?.shortSummary ?? "?",
                    formatGrouped(result.operationsPerSecond),
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

    /// The Tern run to divide by `peer`'s figures: the one at that peer's budget, or the only
    /// Tern run when every engine shared one budget (SQLite pairs with Tern at LevelDB's).
    static func ternRun(for peer: EngineKind, in report: RunReport) -> EngineReport? {
        let terns = report.engines.filter { $0.engine == .tern }
        if terns.count == 1 { return terns[0] }
        return terns.first { $0.budgetOf == peer } ?? terns.first { $0.budgetOf == .leveldb }
    }

    /// Throughput per engine run and the ratios the targets use: for each peer, Tern at
    /// that peer's memory budget ÷ the peer (ops/s: above 1 Tern is faster; p99: below 1 Tern's
    /// tail is shorter); the lower of the LSM ratios ("Tern ÷ better LSM", the goal's measure);
    /// and the harness's own cost per operation when the null engine ran.
    static func comparison(_ report: RunReport) -> String {
        let peers = report.engines.map(\.engine).filter { $0 != .tern && $0 != .null }
        let hasNull = report.engines.contains { $0.engine == .null }
        var header = ["benchmark"] + report.engines.map { "\($0.label) ops/s" }
        for peer in peers { header += ["÷ \(peer.rawValue) (ops/s)", "÷ \(peer.rawValue) (p99)"] }
        let lsmPeers = peers.filter(\.isLSMPeer)
        if !lsmPeers.isEmpty { header += ["Tern ÷ better LSM", "better LSM"] }
        if hasNull { header += ["harness µs/op"] }
        var table = MarkdownTable(header: header, rightAligned: Set(1..<header.count).subtracting(
            lsmPeers.isEmpty ? [] : [header.count - (hasNull ? 2 : 1)]))
        for spec in benchmarkNames(report) {
            func verified(_ engine: EngineReport?) -> WorkloadResult? {
                engine?.workloads.first { $0.benchmark == spec && $0.verified }
            }
            var row = [spec]
            for engine in report.engines {
                let result = engine.workloads.first { $0.benchmark == spec }
                row.append(result == nil ? "-" : result!.verified ? formatGrouped(result!.operationsPerSecond) : "(failed check)")
            }
            var lsmRatios: [(EngineKind, Double)] = []
            for peer in peers {
                guard let peerResult = verified(report.engines.first { $0.engine == peer }),
                      let tern = verified(ternRun(for: peer, in: report)), peerResult.operationsPerSecond > 0 else {
                    row += ["-", "-"]
                    continue
                }
                let ratio = tern.operationsPerSecond / peerResult.operationsPerSecond
                row.append(formatFixed(ratio, 2))
                row.append(formatFixed(tern.latencyMicroseconds.p99 / peerResult.latencyMicroseconds.p99, 2))
                if peer.isLSMPeer { lsmRatios.append((peer, ratio)) }
            }
            if !lsmPeers.isEmpty {
                if let worst = lsmRatios.min(by: { $0.1 < $1.1 }), lsmRatios.count == lsmPeers.count {
                    row += [formatFixed(worst.1, 2), worst.0.rawValue]
                } else {
                    row += ["-", "-"]
                }
            }
            if hasNull {
                let null = verified(report.engines.first { $0.engine == .null })
                row.append(null.map { formatFixed(1e6 / $0.operationsPerSecond, 3) } ?? "-")
            }
            table.rows.append(row)
        }
        return table.render()
    }

    /// Instructions per operation of every engine run (from `--callgrind`), Tern's ÷ each peer's
    /// (at the peer's budget), and Tern's net of the harness (minus the null engine's count).
    static func instructions(_ report: RunReport) -> String {
        let peers = report.engines.map(\.engine).filter { $0 != .tern && $0 != .null }
        let nullEngine = report.engines.first { $0.engine == .null }
        var header = ["benchmark"] + report.engines.map { "\($0.label) instr/op" }
        for peer in peers { header.append("Tern ÷ \(peer.rawValue)") }
        var table = MarkdownTable(header: header, rightAligned: Set(1..<header.count))
        for spec in benchmarkNames(report) {
            func count(_ engine: EngineReport?) -> Double? {
                engine?.workloads.first { $0.benchmark == spec }?.instructionsPerOperation
            }
            var row = [spec]
            for engine in report.engines { row.append(count(engine).map { formatGrouped($0) } ?? "-") }
            let harness = count(nullEngine) ?? 0
            for peer in peers {
                guard let tern = count(ternRun(for: peer, in: report)),
                      let other = count(report.engines.first { $0.engine == peer }), other - harness > 0 else {
                    row.append("-")
                    continue
                }
                // Net of the harness, which both counts include.
                row.append(formatFixed((tern - harness) / (other - harness), 2))
            }
            table.rows.append(row)
        }
        return table.render() + "\n\n(ratios net of the harness: the null engine's count is subtracted from both)"
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
