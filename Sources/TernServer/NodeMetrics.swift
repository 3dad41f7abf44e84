import CoreMetrics
import Metrics
import Prometheus
import Synchronization
import TernEngine

/// The node's metrics, kept through swift-metrics with a Prometheus factory of the node's own
/// (no global bootstrap, so several nodes can live in one process, as in tests), and rendered as
/// Prometheus text for `GET /metrics`.
///
/// Request metrics are recorded as requests finish; the engine's counters (`Store.statistics`)
/// are read when `/metrics` is scraped.
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let timers: Mutex<[String: CoreMetrics.Timer]> = Mutex([:])
    private let errorCounters: Mutex<[String: CoreMetrics.Counter]> = Mutex([:])
    private let throttledCounters: Mutex<[String: CoreMetrics.Counter]> = Mutex([:])
    /// Requests received and not yet answered.
    let inFlight = Atomic<Int>(0)
    /// Write requests that succeeded with `.synced` durability: divided by the WAL's syncs, the
    /// number of writes each fsync carried (group commit).
    let syncedWrites = Atomic<Int>(0)

    /// Metrics with a Prometheus registry of their own.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Engine-bound latencies: tens of microseconds (a cached GetItem) to a second.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
    }

    /// Records one answered request of `operation`, and its error's name when it failed.
    func record(operation: String, duration: Duration, error: String?) {
        let timer = timers.withLock { timers in
            if let timer = timers[operation] { return timer }
            let timer = CoreMetrics.Timer(
                label: "tern_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            timers[operation] = timer
            return timer
        }
        timer.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        guard let error else { return }
        let key = "\(operation)\u{0}\(error)"
        errorCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "tern_request_errors_total", dimensions: [("operation", operation), ("type", error)], factory: factory)
            counters[key] = counter
            return counter
        }.increment()
    }

    /// Counts a request refused by the throttle.
    func recordThrottled(table: String) {
        throttledCounters.withLock { counters in
            if let counter = counters[table] { return counter }
            let counter = CoreMetrics.Counter(label: "tern_throttled_requests_total", dimensions: [("table", table)], factory: factory)
            counters[table] = counter
            return counter
        }.increment()
    }

    /// Prometheus text of every metric, with the engine's counters read now from `store` (nil
    /// while the store is not open).
    public func render(store: Store?) -> [UInt8] {
        gauge("tern_requests_in_flight", Double(inFlight.load(ordering: .relaxed)))
        let synced = syncedWrites.load(ordering: .relaxed)
        gauge("tern_synced_writes", Double(synced))
        if let store {
            let statistics = store.statistics
            let lookups = statistics.blockCacheHits + statistics.blockCacheMisses
            gauge("tern_block_cache_hits", Double(statistics.blockCacheHits))
            gauge("tern_block_cache_misses", Double(statistics.blockCacheMisses))
            gauge("tern_block_cache_hit_ratio", lookups == 0 ? 0 : Double(statistics.blockCacheHits) / Double(lookups))
            gauge("tern_block_cache_bytes", Double(statistics.blockCacheBytes))
            gauge("tern_write_stall_seconds", Double(statistics.stallMicroseconds) / 1e6)
            gauge("tern_write_slowdown_seconds", Double(statistics.slowdownMicroseconds) / 1e6)
            gauge("tern_wal_syncs", Double(statistics.walSyncs))
            gauge("tern_writes_per_wal_sync", statistics.walSyncs == 0 ? 0 : Double(synced) / Double(statistics.walSyncs))
            gauge("tern_compactions", Double(statistics.compactions))
            gauge("tern_flushes", Double(statistics.flushes))
            gauge("tern_write_amplification", statistics.writeAmplification)
            gauge("tern_store_refusing_writes", store.writeRefusal == nil ? 0 : 1)
        }
        return registry.emitToBuffer()
    }

    private func gauge(_ name: String, _ value: Double) {
        CoreMetrics.Gauge(label: name, factory: factory).record(value)
    }
}
