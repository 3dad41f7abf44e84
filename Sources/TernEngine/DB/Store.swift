import Synchronization

/// An open TernEngine store: a log-structured merge tree of byte-string keys and values in one
/// directory.
///
/// ```swift
/// let store = try Store.open(at: "data/users", options: StoreOptions())
/// try store.put(Array("k".utf8), Array("v".utf8), durability: .synced)
/// let value = try store.get(Array("k".utf8))
/// try store.close()
/// ```
///
/// Contracts (see docs/engine.md): batches are atomic; `.synced` writes survive power loss;
/// recovery yields a prefix of the acknowledged batches; corruption is reported, never served;
/// a failed sync makes the store refuse writes until it is reopened.
///
/// Thread safety: every method may be called from any thread. Reads take no lock beyond a brief
/// one to capture the current `ReadView`. Writers queue behind one leader that writes the whole
/// group to the WAL (one `fdatasync` for all synced writers) and into the memtable. A dedicated
/// background thread flushes full memtables.
///
/// The mutable state below is guarded by `lock`, except where a comment says otherwise.
public final class Store: @unchecked Sendable {
    let options: StoreOptions
    package let fileSystem: any FileSystem
    public let directory: String
    let tableCache: TableCache

    let lock = ConditionLock()
    /// Signalled when background work finishes or is requested.
    let backgroundChanged: Condition
    /// Signalled when an `fdatasync` of the WAL finishes (or the WAL is retired).
    let syncFinished: Condition

    // Guarded by `lock`.
    var versions: VersionSet
    var memtable: Memtable
    var immutable: Memtable?
    var walNumber: FileNumber
    /// Touched only by the current write leader (or under `lock` when switching memtables,
    /// which only the leader does).
    var wal: LogWriter?
    /// The file under `wal`, for the syncing thread (which must not touch the leader's
    /// `wal`). Changed only under `lock`, while no sync runs.
    var walFile: (any WritableFile)?
    /// Logical WAL bytes (across WAL files) appended, and known durable.
    var walWrittenBytes: UInt64 = 0
    var walSyncedBytes: UInt64 = 0
    /// The logical WAL offset where the current WAL file begins.
    var walFileStartBytes: UInt64 = 0
    /// The last sequence number known durable (its group's WAL bytes synced): the change feed
    /// delivers nothing after it, so no consumer ever sees a batch a crash could take back.
    var syncedSequence: SequenceNumber
    /// A thread is running `fdatasync` on `walFile` (without the lock).
    var isSyncing = false
    /// Synced writers whose group is written and who wait for (or run) the WAL sync.
    var syncWaiters = 0
    /// The record a group leader assembles; touched only by the current leader.
    var groupRecord: [UInt8] = []
    var writers: [PendingWrite] = []
    var lastSequence: SequenceNumber
    /// Set by the first failure of a flush, compaction, manifest or WAL write: new writes are
    /// refused from then on.
    var backgroundError: TernError?
    /// Set when the WAL itself failed (a write or a sync): synced writers still waiting cannot
    /// be told their write is durable.
    var walError: TernError?
    var isShuttingDown = false
    /// `close()` is waiting for the writer queue to drain.
    var isWaitingForWriters = false
    var isClosed = false
    var fileLock: (any FileLock)?
    var backgroundThread: BackgroundThread?
    var compactionThread: BackgroundThread?
    var isCompacting = false
    /// The compaction thread is deleting the tables its last compaction replaced.
    var isDeletingReplacedTables = false
    /// Per level, the largest key of the last compaction there: the next starts after it.
    var compactPointers: [[UInt8]?] = Array(repeating: nil, count: Version.levelCount)
    /// Checkpoints waiting for the flush that sets the log number to the key: how many wait, and
    /// the version that flush installed (see `checkpoint(into:)`).
    var checkpointRequests: [FileNumber: Int] = [:]
    var checkpointVersions: [FileNumber: Version] = [:]
    /// Files replaced by compactions, deleted once no version refers to them.
    let obsoleteFiles = ObsoleteFiles()
    /// Held while obsolete tables are deleted, so a caller of `deleteObsoleteTables` returns only
    /// after every deletion already under way (on another thread) is done too. Taken after `lock`
    /// when both are held, never the other way round.
    let obsoleteDeletion = Mutex<Void>(())

    /// `isClosed`, readable without `lock`: reads check it, so a closed store serves nothing.
    let closedForReads = Atomic<Bool>(false)
    /// The sequence number readers see: every batch at or below it is fully in the memtable.
    let visibleSequence = Atomic<UInt64>(0)
    /// The commit stamp of the batch at `visibleSequence`.
    let committedStamp = Atomic<UInt64>(0)
    /// The current read view, swapped under this short lock.
    let currentView: Mutex<ReadView>
    let liveSnapshots = Mutex<[UInt64: Int]>([:])
    let stats = StoreStatisticsCounters()
    /// The swift-metrics instruments (no-op unless `StoreOptions.metricsFactory` says otherwise).
    package let metrics: StoreMetrics
    /// Runs the WAL syncs that async synced writers wait for (see `writeThenSync`).
    let asyncSyncs = SyncCoordinator()
    /// What opening the store found (WALs replayed, torn tails dropped). Set once by recovery,
    /// before the store is handed out; never changed afterwards.
    public internal(set) var recoveryReport = RecoveryReport()

    /// A store over recovered state. `walFile` and `fileLock` are nil for a read-only store,
    /// which writes nothing and takes no lock.
    init(options: StoreOptions, directory: String, versions: VersionSet, memtable: Memtable,
         walNumber: FileNumber, walFile: (any WritableFile)?, lastSequence: SequenceNumber, fileLock: (any FileLock)?) {
        self.options = options
        self.metrics = StoreMetrics(factory: options.metricsFactory, dimensions: options.metricsDimensions)
        self.fileSystem = options.fileSystem
        self.directory = directory
        self.tableCache = TableCache(
            fileSystem: options.fileSystem, directory: directory,
            capacity: options.maxOpenTables, blockCacheBytes: options.blockCacheBytes,
            mapsFiles: options.mapTableFiles)
        self.backgroundChanged = Condition(lock)
        self.syncFinished = Condition(lock)
        self.versions = versions
        self.memtable = memtable
        self.walNumber = walNumber
        self.wal = walFile.map { LogWriter(file: $0) }
        self.walFile = walFile
        self.lastSequence = lastSequence
        self.syncedSequence = lastSequence
        self.fileLock = fileLock
        self.visibleSequence.store(lastSequence.rawValue, ordering: .releasing)
        self.currentView = Mutex(ReadView(memtable: memtable, immutable: nil, version: versions.current))
    }

    /// Opens (or creates) the store in `directory`.
    ///
    /// Recovery replays the WAL into a new SSTable, drops a torn tail (a crash in the middle of
    /// the last write), and reports corruption anywhere else. A second open of the same directory,
    /// from this process or another, fails with `.locked`.
    public static func open(at directory: String, options: StoreOptions) throws -> Store {
        if options.readOnly { return try ReadOnlyRecovery(directory: directory, options: options).run() }
        let store = try StoreRecovery(directory: directory, options: options).run()
        store.startBackgroundThread()
        store.startCompactionThread()
        return store
    }

    /// Waits for background work, closes the files and releases the directory lock. Buffered
    /// writes are handed to the operating system but not synced. Later calls throw `.closed`.
    /// Call it: a store released without `close()` closes itself when the last reference goes
    /// (its background threads hold it only weakly), but errors of that close go unreported.
    public func close() throws {
        lock.lock()
        guard !isClosed else {
            lock.unlock()
            return
        }
        // Let queued writers finish first.
        isWaitingForWriters = true
        while !writers.isEmpty || syncWaiters > 0 { backgroundChanged.wait() }
        isClosed = true
        closedForReads.store(true, ordering: .releasing)
        isShuttingDown = true
        backgroundChanged.broadcast()
        let threads = [backgroundThread, compactionThread]
        backgroundThread = nil
        compactionThread = nil
        lock.unlock()
        for thread in threads { thread?.join() }

        lock.lock()
        defer { lock.unlock() }
        var firstError: Error?
        while isSyncing { syncFinished.wait() }
        if let writer = wal.take() {
            do { try writer.close() } catch { firstError = error }
        }
        walFile = nil
        versions.close()
        // The current version still holds its files; only replaced ones are waiting here.
        deleteObsoleteTables()
        fileLock?.unlock()
        fileLock = nil
        if let firstError { throw firstError }
    }

    deinit {
        if !isClosed { try? close() }
    }

    // MARK: Writing

    /// Stores `value` under `key`.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], durability: Durability) throws -> Commit {
        var batch = WriteBatch(reservingCapacity: key.count + value.count + 11)
        batch.put(key, value)
        return try write(batch, durability: durability)
    }

    /// Deletes `key` (a no-op for an absent key, still logged).
    @discardableResult
    public func delete(_ key: [UInt8], durability: Durability) throws -> Commit {
        var batch = WriteBatch()
        batch.delete(key)
        return try write(batch, durability: durability)
    }

    // MARK: Reading

    /// Throws `.closed` once `close()` has begun: reads and writes alike fail from then on.
    package func checkOpen() throws {
        if closedForReads.load(ordering: .acquiring) { throw TernError(.closed, "the store is closed") }
    }

    /// The value stored under `key` as of `snapshot` (or now), or `nil` when absent.
    ///
    /// - Throws: `.closed` after `close()`; `.corruption` and I/O errors.
    public func get(_ key: [UInt8], snapshot: ReadSnapshot? = nil) throws -> [UInt8]? {
        try key.withUnsafeBytes { try get(key: $0, snapshot: snapshot) }
    }

    /// Captures the current state for consistent reads. Release it by dropping the reference.
    public func snapshot() -> ReadSnapshot {
        // Read and register under one lock: compaction computes the oldest snapshot under the
        // same lock, so it never misses a snapshot being taken (see `oldestSnapshot`).
        let sequence = liveSnapshots.withLock { snapshots in
            let sequence = visibleSequence.load(ordering: .acquiring)
            snapshots[sequence, default: 0] += 1
            return sequence
        }
        return ReadSnapshot(sequence: SequenceNumber(sequence)) { [weak self] in
            self?.liveSnapshots.withLock { snapshots in
                if let count = snapshots[sequence] { snapshots[sequence] = count > 1 ? count - 1 : nil }
            }
        }
    }

    /// The oldest sequence any reader may still ask for: the oldest live snapshot, or now.
    /// Compaction keeps, for every key, the newest version at or below it (and all newer ones).
    var oldestSnapshot: SequenceNumber {
        liveSnapshots.withLock { snapshots in
            SequenceNumber(snapshots.keys.min() ?? visibleSequence.load(ordering: .acquiring))
        }
    }

    func captureView() -> ReadView {
        currentView.withLock { $0 }
    }

    /// REQUIRES: `lock` held.
    func publishView() {
        let view = ReadView(memtable: memtable, immutable: immutable, version: versions.current)
        currentView.withLock { $0 = view }
    }

    /// The sequence number a read without a snapshot uses.
    var readSequence: SequenceNumber {
        SequenceNumber(visibleSequence.load(ordering: .acquiring))
    }

    /// The commit stamp of the last batch readers can see (zero for a store that has committed
    /// nothing since stamps began).
    public var lastCommittedStamp: HybridTimestamp {
        HybridTimestamp(rawValue: committedStamp.load(ordering: .acquiring))
    }

    /// The clock that stamps this store's commits (`StoreOptions.clock`).
    public var clock: HybridLogicalClock { options.clock }
}
