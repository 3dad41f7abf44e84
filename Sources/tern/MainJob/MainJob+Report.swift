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
            rows.append(.init(name: "replication lag p50 / p99", value: "\(format(replication.lagP50Milliseconds)) / \(format(replication.lagP99Milliseconds)) ms",
                              target: "", met: nil))
            rows.append(.init(name: "conflicts resolved (last writer wins)", value: "\(replication.conflictsOverwritten) overwritten writes counted",
                              target: "", met: nil))
        } else {
            rows.append(.init(name: "replication", value: "not available in this build", target: "", met: nil))
        }
        rows.append(.init(name: "conflicting profile updates", value: "\(results.conflictingWrites) (same profiles, two regions, same moment)", target: "", met: nil))
        if let partition = results.partition {
            rows.append(.init(name: "partition", value: "\(partition.region) cut off \(format(partition.from))–\(format(partition.to)) s", target: "", met: nil))
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
        for row in rows {
            let verdict = row.met.map { $0 ? "met" : "MISSED" } ?? ""
            print("  \(pad(row.name, 46)) \(pad(row.value, 58)) \(pad(row.target, 30)) \(verdict)")
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

    private func charts() -> [ReportPage.Chart] {
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
            ReportPage.Chart(title: "Response time per second (ms)", yLabel: "ms", series: latency, spans: spans, markers: markers),
            ReportPage.Chart(title: "Requests per second, per region", yLabel: "req/s", series: rates, spans: spans, markers: markers),
        ]
        let lagSeries = timeline.seriesNames.filter { $0.hasPrefix("lag ") }.map { name in
            ReportPage.Series(name: String(name.dropFirst(4)) + " p99", points: timeline.series(name).map {
                (Double($0.second), Double(percentile($0.value.samples, 0.99)) / 1000)
            })
        }
        if !lagSeries.isEmpty {
            charts.append(.init(title: "Replication lag per link, p99 per second (ms)", yLabel: "ms", series: lagSeries, spans: spans, markers: markers))
        }
        let conflictSeries = timeline.series("conflicts")
        if !conflictSeries.isEmpty {
            var total = 0.0
            charts.append(.init(title: "Conflicts resolved (cumulative overwritten writes)", yLabel: "writes", series: [
                .init(name: "overwritten", points: conflictSeries.map { second in
                    total += Double(second.value.samples.reduce(0, +))
                    return (Double(second.second), total)
                }),
            ], spans: spans, markers: markers))
        }
        return charts
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
