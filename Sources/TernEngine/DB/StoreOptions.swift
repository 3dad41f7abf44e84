import CoreMetrics
import Logging

/// How a write must be persisted before the call returns. Every write names one: there is no
/// default, because a hidden default is how durability bugs are born.
public enum Durability: Sendable {
    /// Returns after the batch is in the WAL and `fdatasync`ed. Survives a power cut.
    /// Concurrent synced writers share one sync (group commit).
    case synced
    /// Returns after the batch is handed to the operating system. A crash may lose a suffix of
    /// buffered batches (never a batch in the middle), a process kill loses nothing.
    case buffered
}

/// Settings of a store, fixed when it is opened.
public struct StoreOptions: Sendable {
    /// Where the store's files live. Tests substitute `MemoryFileSystem` or a fault injector.
    public var fileSystem: any FileSystem = PosixFileSystem()
    /// Create the directory and an empty store when none exists.
    public var createIfMissing = true
    /// Refuse to open an existing store.
    public var errorIfExists = false
    /// Open an existing store without changing anything: no directory lock, no recovery writes
    /// (the WALs are replayed into memory only), no flushes, compactions or file removals;
    /// every write fails with `.readOnly`. For looking at a store that another process may have
    /// open (`tern inspect`): the store shows the state on disk when it was opened and does not
    /// follow later writes. `createIfMissing` is ignored.
    public var readOnly = false
    /// Memtable budget: when the active memtable holds this many bytes, it turns immutable and is
    /// flushed to an SSTable in the background.
    public var memtableBudgetBytes = 8 << 20
    /// Target uncompressed size of an SSTable data block.
    public var blockSizeBytes = 4096
    /// Compression of SSTable data blocks.
    public var compression: SSTableCompression = .lz4
    /// Bloom filter bits per key (about 1% false positives at 10).
    public var bloomBitsPerKey = 10

    /// Budget of the block cache (decoded data blocks shared by all readers); 0 disables it.
    public var blockCacheBytes = 32 << 20
    /// How many SSTables stay open (file descriptor, index and filter in memory) at once.
    public var maxOpenTables = 1000
    /// Read SSTable blocks from the files mapped into memory (`mmap`, read-only) instead of with
    /// `pread`, when the file system maps (`PosixFileSystem` does): a block-cache miss then costs
    /// no system call and no copy into a read buffer (LevelDB's default on 64-bit systems does
    /// the same). Every block's checksum is still verified before it is used. The process's RSS
    /// then counts the table pages it touched: they are the page cache's own pages, shared and
    /// reclaimable, not memory the store allocated. An I/O error while the kernel pages a block in,
    /// or a table file shrunk by something else, raises `SIGBUS` instead of an error: set `false`
    /// to read with `pread` and get errors instead.
    public var mapTableFiles = true

    /// Level 0 is compacted into level 1 once it holds this many files.
    public var level0CompactionTrigger = 4
    /// From this many level-0 files on, each write waits 1 ms to let compaction catch up.
    public var level0SlowdownTrigger = 12
    /// At this many level-0 files, writes wait for compaction (a stall) instead of piling up.
    public var level0StopTrigger = 20
    /// The size level 1 may reach before it is compacted into level 2.
    public var level1MaxBytes = 64 << 20
    /// Each level may hold this many times the bytes of the level above it.
    public var levelSizeMultiplier = 10
    /// Compaction cuts output files at about this size (never between two versions of a key).
    public var targetFileSizeBytes = 4 << 20
    /// The manifest (the log of file-set changes) is rewritten as a fresh snapshot once it
    /// passes this size, so it stays small however long the store stays open. 0: never.
    public var manifestRotationBytes = 4 << 20
    /// The largest write batch accepted, in encoded bytes (keys, values and framing); a larger
    /// one is refused with `.invalidArgument`. At most 1 GiB (the WAL's record limit).
    public var maxBatchBytes = 256 << 20
    /// Where the store reports what an operator should know: a torn tail dropped at open
    /// (warning), a background failure that makes it refuse writes (error). Silent by default;
    /// pass a logger of your application's logging system.
    public var logger = Logger(label: "tern.store", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Where the store reports metrics (flushes, compactions, stalls, WAL syncs, background
    /// errors; the table layer adds request latencies): none by default. Pass
    /// `MetricsSystem.factory` to use the backend your application bootstrapped.
    public var metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance
    /// Dimensions added to every metric of the store (e.g. `[("store", "users")]` to tell
    /// several stores apart).
    public var metricsDimensions: [(String, String)] = []
    /// The hybrid logical clock that stamps every committed batch. Share one between a store and
    /// its replication so stamps received from peers advance it; tests inject a manual physical
    /// clock. Opening a store advances it past the last stamp the store committed.
    public var clock = HybridLogicalClock()
    /// How many bytes of old WAL files the store keeps for change-feed consumers that have not
    /// read them yet. Past it the oldest go, and a consumer behind them gets `cursorTooOld`.
    public var changeFeedRetentionBytes = 1 << 30

    /// The threads the async API (`Store`'s and `TableStore`'s `async` methods) runs blocking
    /// work on. Several stores may share one pool.
    public var threadPool: BlockingThreadPool = .shared

    public init() {}

    /// The byte budget of `level` (1 and deeper).
    func maxBytes(forLevel level: Int) -> Int {
        var bytes = level1MaxBytes
        for _ in 1..<max(level, 1) { bytes = bytes.multipliedReportingOverflow(by: levelSizeMultiplier).overflow ? .max : bytes * levelSizeMultiplier }
        return bytes
    }
}
