import Logging

/// What the background work reports to `StoreOptions.logger` (debug level: one line per flush
/// and compaction, a notice for a long stall) and to the metrics (`StoreMetrics`).
extension Store {
    /// A write stall at least this long is logged at notice level (shorter ones at debug).
    static let noticeableStall: Duration = .milliseconds(100)

    /// After a flush installed `table` (nil: the memtable was empty). REQUIRES: `lock` held.
    func recordFlush(of table: VersionEdit.NewFile?, since start: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - start
        metrics.flushes.increment()
        StoreMetrics.record(metrics.flushDuration, duration)
        if let table {
            metrics.flushBytes.increment(by: table.sizeBytes)
            options.logger.debug("flushed a memtable to level 0", metadata: [
                "table": "\(FileName.table(table.number))", "bytes": "\(table.sizeBytes)", "duration": "\(duration)",
            ])
        }
    }

    /// After `compaction` was installed. REQUIRES: `lock` held.
    func recordCompaction(_ compaction: Compaction, since start: ContinuousClock.Instant, readBefore: Int, writtenBefore: Int) {
        let duration = ContinuousClock.now - start
        let read = stats.compactionBytesRead.load(ordering: .relaxed) - readBefore
        let written = stats.compactionBytesWritten.load(ordering: .relaxed) - writtenBefore
        metrics.compactions.increment()
        StoreMetrics.record(metrics.compactionDuration, duration)
        metrics.compactionReadBytes.increment(by: read)
        metrics.compactionWrittenBytes.increment(by: written)
        options.logger.debug("compacted level \(compaction.level) into \(compaction.outputLevel)", metadata: [
            "inputs": "\(compaction.inputs.count)", "bytesRead": "\(read)", "bytesWritten": "\(written)", "duration": "\(duration)",
        ])
    }

    /// After a write waited for a flush or for level 0 to drain.
    func recordStall(since start: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - start
        StoreMetrics.record(metrics.writeStallDuration, duration)
        let level: Logger.Level = duration >= Store.noticeableStall ? .notice : .debug
        options.logger.log(level: level, "a write stalled for \(duration) waiting for a flush or for level 0 to drain",
                           metadata: ["directory": "\(directory)"])
    }
}

extension Store {
    /// `StoreOptions.logger`, for the layers above (the table layer's TTL purger).
    package var logger: Logger { options.logger }
}
