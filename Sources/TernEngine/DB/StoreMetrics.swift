import CoreMetrics

/// The store's swift-metrics instruments, made once when it opens from
/// `StoreOptions.metricsFactory` (no-op by default) and `metricsDimensions`.
///
/// | label | kind | what |
/// |---|---|---|
/// | `tern_flushes_total` | counter | memtables written to level 0 |
/// | `tern_flush_duration` | timer | one flush, writing and installing the table |
/// | `tern_flush_bytes_total` | counter | bytes of the tables flushes wrote |
/// | `tern_compactions_total` | counter | compactions (trivial moves included) |
/// | `tern_compaction_duration` | timer | one compaction |
/// | `tern_compaction_read_bytes_total`, `tern_compaction_written_bytes_total` | counter | bytes compactions read and wrote |
/// | `tern_write_stall_duration` | timer | one write's wait for a flush or for level 0 to drain |
/// | `tern_wal_syncs_total` | counter | `fdatasync`s of the WAL |
/// | `tern_background_errors_total` | counter | failures that made the store refuse writes |
///
/// The table layer adds `tern_table_request_duration` (timer, dimension `operation`, DynamoDB's
/// operation name), `tern_ttl_purged_items_total` and `tern_ttl_purge_errors_total`.
package final class StoreMetrics: Sendable {
    /// False for the no-op factory: callers skip reading the clock for timers nobody records.
    package let isEnabled: Bool
    let flushes: Counter
    let flushDuration: Timer
    let flushBytes: Counter
    let compactions: Counter
    let compactionDuration: Timer
    let compactionReadBytes: Counter
    let compactionWrittenBytes: Counter
    let writeStallDuration: Timer
    let walSyncs: Counter
    let backgroundErrors: Counter
    let factory: any MetricsFactory
    let dimensions: [(String, String)]

    init(factory: any MetricsFactory, dimensions: [(String, String)]) {
        self.factory = factory
        self.dimensions = dimensions
        isEnabled = !(factory is NOOPMetricsHandler)
        flushes = Counter(label: "tern_flushes_total", dimensions: dimensions, factory: factory)
        flushDuration = Timer(label: "tern_flush_duration", dimensions: dimensions, factory: factory)
        flushBytes = Counter(label: "tern_flush_bytes_total", dimensions: dimensions, factory: factory)
        compactions = Counter(label: "tern_compactions_total", dimensions: dimensions, factory: factory)
        compactionDuration = Timer(label: "tern_compaction_duration", dimensions: dimensions, factory: factory)
        compactionReadBytes = Counter(label: "tern_compaction_read_bytes_total", dimensions: dimensions, factory: factory)
        compactionWrittenBytes = Counter(label: "tern_compaction_written_bytes_total", dimensions: dimensions, factory: factory)
        writeStallDuration = Timer(label: "tern_write_stall_duration", dimensions: dimensions, factory: factory)
        walSyncs = Counter(label: "tern_wal_syncs_total", dimensions: dimensions, factory: factory)
        backgroundErrors = Counter(label: "tern_background_errors_total", dimensions: dimensions, factory: factory)
    }

    /// A timer of the layers above (the table layer's request latencies), on the same factory
    /// and dimensions, plus `extra`.
    package func timer(label: String, extra: [(String, String)]) -> Timer {
        Timer(label: label, dimensions: dimensions + extra, factory: factory)
    }

    /// A counter of the layers above, on the same factory and dimensions.
    package func counter(label: String) -> Counter {
        Counter(label: label, dimensions: dimensions, factory: factory)
    }

    /// Records `duration` on `timer`.
    package static func record(_ timer: Timer, _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
