import Glibc
import TernEngine

extension MainJob {
    /// The seed's targets.
    static let targets = (networkFailureRate: 0.005, requestsPerSecond: 500.0, databaseLatencyMilliseconds: 30.0,
                          p95Milliseconds: 200.0, scannedPerMatch: 500.0)

    /// Prints the report and writes `report.html` beside the regions.
    func report(passed: Bool) throws {
        guard let test = stressTest else { return }
        let requests = test.requests.load(ordering: .relaxed)
        let failures = test.failures.load(ordering: .relaxed)
        let failureRate = Double(failures) / Double(max(1, requests))
        let throughput = Double(requests) / options.duration
        let database = test.databaseLatencies.withLock { $0 }
        let response = test.responseLatencies.withLock { $0 }
        let scanned = test.scanned.withLock { $0 }
        let databaseP95 = Double(percentile(database, 0.95)) / 1000
        let responseP95 = Double(percentile(response, 0.95)) / 1000
        let scannedP95 = Double(percentile(scanned, 0.95))
        var rows: [ReportPage.Row] = [
            .init(name: "requests (all regions)", value: "\(requests) in \(Int(options.duration)) s: \(format(throughput)) req/s",
                  target: "≥ 500 req/s", met: throughput >= Self.targets.requestsPerSecond * 0.98),
            .init(name: "failed requests", value: "\(failures) (\(format(failureRate * 100)) %)",
                  target: "network failure rate < 0.5 %", met: failureRate < Self.targets.networkFailureRate),
            .init(name: "DB latency p95", value: "\(format(databaseP95)) ms", target: "< 30 ms", met: databaseP95 < Self.targets.databaseLatencyMilliseconds),
            .init(name: "response time p95 (from the scheduled start)", value: "\(format(responseP95)) ms", target: "P95 < 200 ms",
                  met: responseP95 < Self.targets.p95Milliseconds),
            .init(name: "profiles scanned per matching query, p95", value: "\(format(scannedP95)) (mean \(format(Double(scanned.reduce(0, +)) / Double(max(1, scanned.count)))))",
                  target: "< 500", met: scannedP95 < Self.targets.scannedPerMatch),
        ]
        if let replication = results.replication {
            let (steady, partitioned) = lagSamples()
            rows.append(.init(name: "replication lag p50 / p99 (stress test, outside the partition)",
                              value: "\(format(Double(percentile(steady, 0.5)) / 1000)) / \(format(Double(percentile(steady, 0.99)) / 1000)) ms over \(steady.count) changes",
                              target: "", met: nil))
            if !partitioned.isEmpty {
                rows.append(.init(name: "replication lag of the partition's backlog, max",
                                  value: "\(format(Double(partitioned.max() ?? 0) / 1000)) ms over \(partitioned.count) changes", target: "", met: nil))
            }
            rows.append(.init(name: "concurrent writes overwritten (last writer wins)", value: "\(replication.conflictsOverwritten), counted and logged",
                              target: "", met: nil))
            rows.append(.init(name: "peer-link traffic disrupted", value: "\(replication.disruptedChunks) of \(replication.chunks) chunks dropped or delayed; \(replication.reconnects) reconnects",
                              target: "the seed's 1 % network failures", met: nil))
        } else {
            rows.append(.init(name: "replication", value: "not available in this build", target: "", met: nil))
        }
        rows.append(.init(name: "conflicting profile updates", value: "\(results.conflictingWrites) (same profiles, two regions, same moment)", target: "", met: nil))
        if let partition = results.partition {
            rows.append(.init(name: "partition", value: "\(partition.region) cut off at \(format(partition.from))–\(format(partition.to)) s of the run, writes on both sides", target: "", met: nil))
            if replicationAttached {
                rows.append(.init(name: "caught up after the partition healed", value: results.catchUpSeconds.map { "\(format($0)) s" } ?? "not within the run",
                                  target: "", met: results.catchUpSeconds != nil))
            }
        }
        rows.append(.init(name: "time to converge after the load",
                          value: results.convergenceSeconds.map { "\(format($0)) s" } ?? (replicationAttached ? "did not converge" : "—"),
                          target: "", met: replicationAttached ? results.convergenceSeconds != nil : nil))
        rows.append(.init(name: "replicas identical (per-table digests)",
                          value: replicationAttached ? results.digestsMatch.map { "\($0.key) \($0.value ? "yes" : "NO")" }.sorted().joined(separator: ", ") : "—",
                          target: "", met: replicationAttached ? results.digestsMatch.values.allSatisfy { $0 } : nil))
        rows.append(.init(name: "acknowledged writes", value: "\(results.acknowledgedPresent) present, \(results.acknowledgedOverwritten) overwritten by a later write, \(results.lost.count) lost",
                          target: "", met: replicationAttached ? results.lost.isEmpty : nil))
        rows.append(.init(name: "point-in-time restore of Messages", value: "\(results.itemsRestored) items in \(format(results.restoreSeconds)) s (\(results.itemsDeleted) deleted by mistake)",
                          target: "", met: results.restoredMatches))
        print("")
        print("report (beside the seed's targets)")
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let valueWidth = rows.map(\.value.count).max() ?? 0
        for row in rows {
            let verdict = row.met.map { $0 ? "met" : "MISSED" } ?? ""
            let target = row.target.isEmpty ? "" : "target: \(row.target)"
            print("  \(pad(row.name, nameWidth))  \(pad(row.value, valueWidth))  \(pad(verdict, 6))  \(target)")
        }
        for note in results.notes { print("  note: \(note)") }
        let page = ReportPage(
            title: "Tern main job: \(options.regionNames.count) regions, the seed's stress test",
            subtitle: "\(options.users) users, \(Int(options.duration)) s at \(Int(options.rate)) req/s, \(options.workers) workers; "
                + "\(passed ? "every verification passed" : "A VERIFICATION FAILED")",
            rows: rows, charts: charts(), notes: results.notes + results.lost.prefix(20).map { "lost: \($0)" })
        let path = Path.join(options.data, "report.html")
        try PosixFileSystem().writeFileAtomically(path, Array(page.html().utf8))
        print("  wrote \(path)")
    }

    /// Lags of changes applied during the stress test: outside the partition (and its catch-up)
    /// and inside it.
    private func lagSamples() -> (steady: [UInt64], partitioned: [UInt64]) {
        var steady: [UInt64] = []
        var partitioned: [UInt64] = []
        let caughtUp = (healedAt ?? 0) + (results.catchUpSeconds ?? 5) + 1
        for name in timeline.seriesNames where name.hasPrefix("lag ") {
            for (second, value) in timeline.series(name) {
                let time = Double(second)
                guard time >= stressStarted, time <= stressEnded else { continue }
                if let partition = results.partition, time >= partition.from - 1, time <= caughtUp {
                    partitioned += value.samples
                } else {
                    steady += value.samples
                }
            }
        }
        return (steady, partitioned)
    }

    private func charts() -> [ReportPage.Chart] {
        let end = timeline.elapsed()
        let spans = results.partition.map { [(label: "\($0.region) partitioned", from: $0.from, to: $0.to)] } ?? []
        let markers = timeline.allMarks.filter { $0.to == nil && $0.name != "partition" }.map { (label: $0.name, at: $0.from) }
        var latency: [ReportPage.Series] = []
        var rates: [ReportPage.Series] = []
        for region in options.regionNames {
            let seconds = timeline.series(region)
            latency.append(.init(name: "\(region) p95", points: seconds.map { (Double($0.second), Double(percentile($0.value.latenciesMicroseconds, 0.95)) / 1000) }))
            latency.append(.init(name: "\(region) p50", points: seconds.map { (Double($0.second), Double(percentile($0.value.latenciesMicroseconds, 0.5)) / 1000) }))
            rates.append(.init(name: region, points: seconds.map { (Double($0.second), Double($0.value.count)) }))
        }
        var charts = [
            ReportPage.Chart(title: "Response time per second (ms)", yLabel: "ms", series: latency, spans: spans, markers: markers, xMax: end),
            ReportPage.Chart(title: "Requests per second, per region", yLabel: "req/s", series: rates, spans: spans, markers: markers, xMax: end),
        ]
        let lagSeries = timeline.seriesNames.filter { $0.hasPrefix("lag ") }.map { name in
            ReportPage.Series(name: String(name.dropFirst(4)) + " p99", points: timeline.series(name).map {
                (Double($0.second), Double(percentile($0.value.samples, 0.99)) / 1000)
            })
        }
        if !lagSeries.isEmpty {
            charts.append(.init(title: "Replication lag per link (origin commit to remote apply), p99 per second (ms)", yLabel: "ms",
                                series: lagSeries, spans: spans, markers: markers, xMax: end))
        }
        let conflictSeries = timeline.series("conflicts")
        if !conflictSeries.isEmpty {
            // Cumulative, one point a second from the first sample to the end.
            var perSecond: [Int: Double] = [:]
            for second in conflictSeries { perSecond[second.second] = Double(second.value.samples.reduce(0, +)) }
            var total = 0.0
            let points = (0...Int(end)).map { second -> (x: Double, y: Double) in
                total += perSecond[second] ?? 0
                return (Double(second), total)
            }
            charts.append(.init(title: "Concurrent writes overwritten, cumulative (last writer wins)", yLabel: "writes", series: [
                .init(name: "overwritten", points: points),
            ], spans: spans, markers: markers, xMax: end))
        }
        return charts
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
