import Synchronization

/// Counters the store keeps as it works; read them through `Store.statistics`.
final class StoreStatisticsCounters: Sendable {
    let userBytesWritten = Atomic<Int>(0)
    let flushBytesWritten = Atomic<Int>(0)
    let flushes = Atomic<Int>(0)
    let walSyncs = Atomic<Int>(0)
    let stallMicroseconds = Atomic<Int>(0)
}

/// A snapshot of the store's statistics.
public struct StoreStatistics: Sendable {
    /// Bytes of write batches accepted (keys, values and batch framing).
    public var userBytesWritten: Int
    /// Bytes of SSTables written by memtable flushes.
    public var flushBytesWritten: Int
    public var flushes: Int
    /// `fdatasync` calls on the WAL (group commit makes this smaller than the synced writes).
    public var walSyncs: Int
    /// Time writers spent waiting for a flush to make room.
    public var stallMicroseconds: Int
    /// Files and bytes per level.
    public var levelFileCounts: [Int]
    public var levelSizesBytes: [Int]
}

extension Store {
    /// The store's counters and file-set shape right now.
    public var statistics: StoreStatistics {
        let version = captureView().version
        return StoreStatistics(
            userBytesWritten: stats.userBytesWritten.load(ordering: .relaxed),
            flushBytesWritten: stats.flushBytesWritten.load(ordering: .relaxed),
            flushes: stats.flushes.load(ordering: .relaxed),
            walSyncs: stats.walSyncs.load(ordering: .relaxed),
            stallMicroseconds: stats.stallMicroseconds.load(ordering: .relaxed),
            levelFileCounts: version.fileCounts,
            levelSizesBytes: version.levelSizes)
    }
}
