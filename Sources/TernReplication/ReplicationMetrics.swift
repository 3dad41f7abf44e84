import CoreMetrics
import Synchronization
import TernTables

/// The replicator's metrics, through swift-metrics (CoreMetrics) with the factory the embedding
/// service or node passes (its Prometheus registry, say), per peer region:
///
/// | metric | kind | meaning |
/// |---|---|---|
/// | `tern_replication_lag_seconds{peer}` | timer (histogram) | origin commit (the write's stamp) to apply here, per change from `peer` |
/// | `tern_replication_applied_total{peer}` | counter | changes from `peer` applied |
/// | `tern_replication_conflicts_overwritten_total{peer}` | counter | local writes a concurrent write from `peer` replaced (LWW) |
/// | `tern_replication_reconnects_total{peer}` | counter | connections to `peer` after the first |
/// | `tern_replication_skew_refusals_total{peer}` | counter | frames from `peer` refused for clock skew |
/// | `tern_replication_refusals_total{reason}` | counter | handshakes and links refused, by reason |
/// | `tern_replication_behind_operations{peer}` | gauge | operations committed here and not yet acknowledged by `peer` |
/// | `tern_replication_inflight_bytes{peer}` | gauge | bytes sent to `peer` and not yet acknowledged |
/// | `tern_replication_circuit_state{peer}` | gauge | 0 closed, 1 half-open, 2 open |
/// | `tern_replication_connected{peer,direction}` | gauge | 1 while the link is up |
/// | `tern_replication_tombstones_purged_total` | counter | tombstones purged |
///
/// Thread safety: swift-metrics handlers are thread-safe; the caches sit behind a `Mutex`.
final class ReplicationMetrics: Sendable {
    let factory: any MetricsFactory
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func lag(_ peer: RegionID) -> CoreMetrics.Timer {
        timers.withLock { timers in
            if let timer = timers[peer.name] { return timer }
            let timer = CoreMetrics.Timer(label: "tern_replication_lag_seconds", dimensions: [("peer", peer.name)], factory: factory)
            timers[peer.name] = timer
            return timer
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{0}")
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{0}")
        return gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
    }
}
