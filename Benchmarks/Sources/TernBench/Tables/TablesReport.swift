/// The tables printed after an item-workload run.
enum TablesReport {
    private static func mebibytes(_ bytes: Int) -> String { formatFixed(Double(bytes) / 1_048_576, 1) }

    private static func result(_ engine: TablesEngineReport?, _ workload: ItemWorkload) -> ItemWorkloadResult? {
        engine?.workloads.first { $0.workload == workload }
    }

    /// One line per engine: its settings, the load, disk, memory and statistics.
    static func engines(_ report: TablesRunReport) -> String {
        var lines: [String] = []
        for engine in report.engines {
            lines.append("- **\(engine.engine.rawValue)**: \(engine.configuration.isEmpty ? "-" : engine.configuration)")
            if let error = engine.error { lines.append("  ERROR: \(error)") }
            guard engine.usersLoaded > 0 else { continue }
            let usersPerSecond = Double(engine.usersLoaded) / max(engine.loadUsersSeconds, 1e-9)
            let messagesPerSecond = Double(engine.messagesLoaded) / max(engine.loadMessagesSeconds, 1e-9)
            lines.append(
                "  load: \(formatGrouped(Double(engine.usersLoaded))) users in \(formatFixed(engine.loadUsersSeconds, 1)) s "
                    + "(\(formatGrouped(usersPerSecond)) items/s), \(formatGrouped(Double(engine.messagesLoaded))) messages in "
                    + "\(formatFixed(engine.loadMessagesSeconds, 1)) s (\(formatGrouped(messagesPerSecond)) items/s), "
                    + "\(TablesBenchmark<TernTablesDriver>.batchSize) items per batch/transaction, buffered; settle "
                    + "\(formatFixed(engine.settleSeconds, 1)) s; disk \(mebibytes(engine.diskBytesAfterLoad)) MiB after the load, "
                    + "\(mebibytes(engine.diskBytesAtEnd)) MiB at the end; peak RSS \(mebibytes(engine.peakResidentSetBytes)) MiB")
            if !engine.statistics.isEmpty { lines.append("  at the end: \(engine.statistics)") }
        }
        return lines.joined(separator: "\n")
    }

    /// Every workload on every engine, with the ratio Tern ÷ SQLite and the issue's target on
    /// Tern's row.
    static func comparison(_ report: TablesRunReport) -> String {
        var table = MarkdownTable(
            header: [
                "workload", "engine", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "Tern ÷ SQLite ops/s", "Tern ÷ SQLite p99",
                "evaluated/op mean, p95", "returned/op mean, p95", "evaluated ÷ returned", "target (issue)", "check",
            ],
            rightAligned: Set(2...10))
        let sqlite = report.engines.first { $0.engine == .sqlite }
        for workload in ItemWorkload.allCases {
            for engine in report.engines {
                guard let result = result(engine, workload) else { continue }
                let latency = result.latencyMicroseconds
                var row = [
                    workload.label, engine.engine.rawValue, formatGrouped(result.operationsPerSecond),
                    formatFixed(latency.p50, 1), formatFixed(latency.p99, 1), formatFixed(latency.p999, 1),
                ]
                let peer = engine.engine == .tern ? TablesReport.result(sqlite, workload) : nil
                if let peer, peer.verified, result.verified {
                    row.append(formatFixed(result.operationsPerSecond / peer.operationsPerSecond, 2))
                    row.append(formatFixed(latency.p99 / peer.latencyMicroseconds.p99, 2))
                } else {
                    row.append(contentsOf: ["", ""])
                }
                row.append(result.evaluated.map { "\(formatFixed($0.mean, 1)), \(formatFixed($0.p95, 0))" } ?? "")
                row.append(result.returned.map { "\(formatFixed($0.mean, 1)), \(formatFixed($0.p95, 0))" } ?? "")
                if let evaluated = result.evaluated, let returned = result.returned {
                    row.append(formatFixed(Double(evaluated.total) / Double(max(returned.total, 1)), 2))
                } else {
                    row.append("")
                }
                row.append(engine.engine == .tern ? (verdict(workload, tern: result, sqlite: peer)?.text ?? "") : "")
                row.append(check(result, engine: engine.engine, report: report))
                table.rows.append(row)
            }
        }
        return table.render()
    }

    /// Instructions per operation of both engines (`--callgrind`) and Tern ÷ SQLite (the
    /// issue's goal: at most 1.0 on each workload).
    static func instructions(_ report: TablesRunReport) -> String {
        let tern = report.engines.first { $0.engine == .tern }
        let sqlite = report.engines.first { $0.engine == .sqlite }
        var table = MarkdownTable(header: ["workload", "Tern instr/op", "SQLite instr/op", "Tern ÷ SQLite"], rightAligned: [1, 2, 3])
        for workload in ItemWorkload.allCases {
            let ternCount = result(tern, workload)?.instructionsPerOperation
            let sqliteCount = result(sqlite, workload)?.instructionsPerOperation
            guard ternCount != nil || sqliteCount != nil else { continue }
            var ratio = "-"
            if let ternCount, let sqliteCount, sqliteCount > 0 { ratio = formatFixed(ternCount / sqliteCount, 2) }
            table.rows.append([
                workload.label, ternCount.map { formatGrouped($0) } ?? "-", sqliteCount.map { formatGrouped($0) } ?? "-", ratio,
            ])
        }
        return table.render()
    }

    /// The issue's targets, each with what this run measured.
    static func targets(_ report: TablesRunReport) -> String {
        let tern = report.engines.first { $0.engine == .tern }
        let sqlite = report.engines.first { $0.engine == .sqlite }
        var lines: [String] = []
        for workload in ItemWorkload.allCases {
            guard let ternResult = result(tern, workload),
                let verdict = verdict(workload, tern: ternResult, sqlite: result(sqlite, workload))
            else { continue }
            lines.append("- \(workload.label): \(verdict.text)")
        }
        return lines.joined(separator: "\n")
    }

    /// The target of `workload` judged on Tern's result (and SQLite's for a ratio); nil when the
    /// workload has no target or the figures to judge it are missing.
    static func verdict(
        _ workload: ItemWorkload, tern: ItemWorkloadResult, sqlite: ItemWorkloadResult?
    ) -> (text: String, met: Bool)? {
        guard let target = workload.target, tern.verified else { return nil }
        switch target {
        case .throughputOverSQLite(let multiple):
            guard let sqlite, sqlite.verified else { return nil }
            let ratio = tern.operationsPerSecond / sqlite.operationsPerSecond
            let met = ratio >= multiple
            return ("≥ \(formatFixed(multiple, 1))× SQLite ops/s: \(met ? "met" : "NOT met") (\(formatFixed(ratio, 2))×)", met)
        case .matching(let p99Limit, let evaluatedLimit):
            guard let evaluated = tern.evaluated, let returned = tern.returned else { return nil }
            let p99 = tern.latencyMicroseconds.p99
            let perReturned = Double(evaluated.total) / Double(max(returned.total, 1))
            let met = p99 <= p99Limit && perReturned <= evaluatedLimit
            return (
                "p99 ≤ \(formatFixed(p99Limit / 1000, 0)) ms and evaluated ≤ \(formatFixed(evaluatedLimit, 1))× returned: "
                    + "\(met ? "met" : "NOT met") (p99 \(formatFixed(p99 / 1000, 2)) ms, \(formatFixed(perReturned, 2))×)",
                met
            )
        }
    }

    /// `ok` or why not; on Tern's row of a read with a digest, whether SQLite returned the same.
    private static func check(_ result: ItemWorkloadResult, engine: TablesEngineKind, report: TablesRunReport) -> String {
        guard result.verified else { return "FAILED: " + result.verification }
        var text = "ok: " + result.verification
        if let settle = result.settleSecondsAfter { text += "; \(formatFixed(settle, 2)) s to settle after" }
        if engine == .tern, let agreement = agreement(result, report) {
            text += agreement ? "; same items as SQLite" : "; RESULTS DIFFER FROM SQLITE"
        }
        return text
    }

    /// Whether Tern and SQLite returned the same items (same digest, same items evaluated), or
    /// nil when there is nothing to compare.
    static func agreement(_ tern: ItemWorkloadResult, _ report: TablesRunReport) -> Bool? {
        guard let sqliteReport = report.engines.first(where: { $0.engine == .sqlite }),
            let sqlite = result(sqliteReport, tern.workload), let ternDigest = tern.digest, let sqliteDigest = sqlite.digest
        else { return nil }
        return ternDigest == sqliteDigest && tern.evaluated?.total == sqlite.evaluated?.total
            && tern.returned?.total == sqlite.returned?.total
    }
}
