import Synchronization

/// Counters the store keeps as it works; read them through `Store.statistics`.
final class StoreStatisticsCounters: Sendable {
    let userBytesWritten = Atomic<Int>(0)
    let flushBytesWritten = Atomic<Int>(0)
    let flushes = Atomic<Int>(0)
    let walSyncs = Atomic<Int>(0)
    let stallMicroseconds = Atomic<Int>(0)
    let slowdownMicroseconds = Atomic<Int>(0)
    let compactions = Atomic<Int>(0)
    let trivialMoves = Atomic<Int>(0)
    let compactionBytesRead = Atomic<Int>(0)
    let compactionBytesWritten = Atomic<Int>(0)
    let tornBytesDropped = Atomic<Int>(0)
}

/// A snapshot of the store's statistics since it was opened.
public struct StoreStatistics: Sendable {
    /// Bytes of write batches accepted (keys, values and batch framing).
    public var userBytesWritten: Int
    /// Bytes of SSTables written by memtable flushes.
    public var flushBytesWritten: Int
    public var flushes: Int
    /// Bytes read and written by compactions (trivial moves read and write nothing).
    public var compactionBytesRead: Int
    public var compactionBytesWritten: Int
    public var compactions: Int
    public var trivialMoves: Int
    /// `fdatasync` calls on the WAL (group commit makes this smaller than the synced writes).
    public var walSyncs: Int
    /// Time writers waited for a flush or for level 0 to drain (a stall).
    public var stallMicroseconds: Int
    /// Time writers were slowed (1 ms per write) while level 0 was near its stop threshold.
    public var slowdownMicroseconds: Int
    /// Block cache lookups that found / missed the block.
    public var blockCacheHits: Int
    public var blockCacheMisses: Int
    /// Bytes held by the block cache.
    public var blockCacheBytes: Int
    /// SSTables currently open in the table cache.
    public var openTables: Int
    /// Bytes of torn tails (writes a crash cut short) that opening the store dropped; see
    /// `Store.recoveryReport` for where.
    public var tornBytesDropped: Int
    /// Files and bytes per level.
    public var levelFileCounts: [Int]
    public var levelSizesBytes: [Int]

    /// SSTable bytes written (flush + compaction) per user byte written. The WAL, which writes
    /// each user byte once more, is not included (RocksDB's convention).
    public var writeAmplification: Double {
        userBytesWritten == 0 ? 0 : Double(flushBytesWritten + compactionBytesWritten) / Double(userBytesWritten)
    }

    /// Total SSTable bytes over the bytes of the deepest non-empty level: how much more space
    /// the tree takes than one fully compacted copy of its data would (about; the deepest level
    /// is taken as the live data).
    public var spaceAmplification: Double {
        guard let deepest = levelSizesBytes.last(where: { $0 > 0 }) else { return 0 }
        return Double(levelSizesBytes.reduce(0, +)) / Double(deepest)
    }
}

extension Store {
    /// The store's counters and file-set shape right now.
    public var statistics: StoreStatistics {
        let version = captureView().version
        let cache = tableCache.blockCache
        return StoreStatistics(
            userBytesWritten: stats.userBytesWritten.load(ordering: .relaxed),
            flushBytesWritten: stats.flushBytesWritten.load(ordering: .relaxed),
            flushes: stats.flushes.load(ordering: .relaxed),
            compactionBytesRead: stats.compactionBytesRead.load(ordering: .relaxed),
            compactionBytesWritten: stats.compactionBytesWritten.load(ordering: .relaxed),
            compactions: stats.compactions.load(ordering: .relaxed),
            trivialMoves: stats.trivialMoves.load(ordering: .relaxed),
            walSyncs: stats.walSyncs.load(ordering: .relaxed),
            stallMicroseconds: stats.stallMicroseconds.load(ordering: .relaxed),
            slowdownMicroseconds: stats.slowdownMicroseconds.load(ordering: .relaxed),
            blockCacheHits: cache?.hits ?? 0,
            blockCacheMisses: cache?.misses ?? 0,
            blockCacheBytes: cache?.usedBytes ?? 0,
            openTables: tableCache.openTableCount,
            tornBytesDropped: stats.tornBytesDropped.load(ordering: .relaxed),
            levelFileCounts: version.fileCounts,
            levelSizesBytes: version.levelSizes)
    }

    /// Waits until no compaction is pending or running and the tables they replaced that no
    /// reader holds are deleted (tests and tools; returns at once when the store has stopped
    /// writing because of an error).
    public func waitForCompactions() {
        let picker = CompactionPicker(options: options)
        lock.lock()
        while backgroundError == nil && !isClosed
            && (isCompacting || isDeletingReplacedTables || immutable != nil || picker.pick(versions.current, compactPointers: compactPointers) != nil)
        {
            backgroundChanged.wait()
        }
        let closed = isClosed
        lock.unlock()
        // Tables that readers released since: they are queued too.
        if !closed { deleteObsoleteTables() }
    }
}
