import Logging
import Synchronization
import TernEngine
import TernTables

/// Runs anti-entropy with one peer every `antiEntropyInterval`, and at once while the peer is
/// marked for resync (its stream skipped history); a resync is done when every table the peer
/// replicates was compared and repaired. One thread per peer, mostly asleep.
final class AntiEntropyScheduler: Sendable {
    let core: ReplicatorCore
    let endpoint: PeerEndpoint
    private let wake = Mailbox<LinkEvent>()
    private let finished = Mutex(false)

    init(core: ReplicatorCore, endpoint: PeerEndpoint) {
        self.core = core
        self.endpoint = endpoint
    }

    func start() {
        core.startThread { [self] in
            run()
            finished.withLock { $0 = true }
        }
    }

    func stop() {
        wake.wake()
    }

    private func run() {
        var lastRun = ContinuousClock.now
        var failures = 0
        while !core.stopped.load(ordering: .acquiring) {
            _ = wake.take(waitingUpTo: .seconds(1))
            guard !core.stopped.load(ordering: .acquiring) else { return }
            let resync = (try? core.tables.isResyncPending(for: endpoint.region)) ?? false
            let due = core.configuration.antiEntropyInterval.map { ContinuousClock.now - lastRun >= $0 } ?? false
            // A failing peer is retried no more often than the backoff cap.
            guard resync || due, failures == 0 || ContinuousClock.now - lastRun >= core.configuration.backoffCap else { continue }
            lastRun = ContinuousClock.now
            do {
                _ = try Self.repair(core: core, endpoint: endpoint, tableNames: nil)
                failures = 0
                if resync {
                    try core.tables.setResyncPending(false, for: endpoint.region)
                    core.logger.info("resynchronized peer by anti-entropy", metadata: ["peer": "\(endpoint.region)"])
                }
            } catch {
                failures += 1
                core.logger.notice("anti-entropy with peer failed", metadata: ["peer": "\(endpoint.region)", "error": "\(error)"])
            }
        }
    }

    /// One round with `endpoint`: every table (or those named), logged and counted.
    static func repair(core: ReplicatorCore, endpoint: PeerEndpoint, tableNames: Set<String>?) throws -> [AntiEntropyReport] {
        let reports = try AntiEntropyClient.run(core: core, endpoint: endpoint, tableNames: tableNames)
        for report in reports {
            core.metrics.counter("tern_replication_repaired_total", [("peer", endpoint.region.name), ("direction", "pushed")]).increment(by: report.pushed)
            core.metrics.counter("tern_replication_repaired_total", [("peer", endpoint.region.name), ("direction", "pulled")]).increment(by: report.pulled)
            let level: Logger.Level = report.pushed + report.pulled > 0 || report.refusal != nil ? .info : .debug
            core.logger.log(level: level, "anti-entropy", metadata: ["report": "\(report)"])
        }
        return reports
    }
}
