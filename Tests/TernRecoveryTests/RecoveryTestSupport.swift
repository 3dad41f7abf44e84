import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

/// A live store with a manual wall clock and a continuous archive on one in-memory disk, plus
/// the reference every restore is checked against: the engine's committed batches, read from
/// the store's own change feed, which rebuild the store's contents as of any stamp.
final class ArchivedStoreFixture {
    let fileSystem: any FileSystem
    let memory: MemoryFileSystem
    let wall = ManualClock()
    let clock: HybridLogicalClock
    var tables: TableStore!
    var archive: ContinuousArchive!
    /// Every committed batch, in sequence order.
    var history: [CommittedBatch] = []
    private var modelReader: ChangeReader?

    static let storePath = "/live"
    static let archivePath = "/archive"

    init(fileSystem: FaultInjectingFileSystem? = nil, archiveOptions: ArchiveOptions = ArchivedStoreFixture.archiveOptions()) throws {
        let faults = fileSystem ?? FaultInjectingFileSystem()
        self.fileSystem = faults
        self.memory = faults.base
        clock = HybridLogicalClock(physicalClock: wall)
        try open(archiveOptions: archiveOptions)
    }

    static func archiveOptions() -> ArchiveOptions {
        var options = ArchiveOptions()
        options.segmentBytes = 16 << 10
        options.checkpointInterval = .seconds(86_400 * 365)  // checkpoints only when a test asks
        return options
    }

    var storeOptions: StoreOptions {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.memtableBudgetBytes = 16 << 10
        options.level1MaxBytes = 64 << 10
        options.targetFileSizeBytes = 16 << 10
        options.manifestRotationBytes = 4 << 10
        options.clock = clock
        return options
    }

    func open(archiveOptions: ArchiveOptions = ArchivedStoreFixture.archiveOptions()) throws {
        tables = try TableStore.open(at: Self.storePath, storeOptions: storeOptions, clock: TableClock { 1_700_000_000 },
                                     ttlPurgeInterval: nil)
        try tables.store.registerChangeConsumer("model", acknowledgedThrough: .zero)
        archive = try ContinuousArchive.start(store: tables.store, directory: Self.archivePath, options: archiveOptions, startThread: false)
        modelReader = nil
    }

    func close() throws {
        try archive.stop()
        try tables.close()
    }

    /// Reads the batches committed since the last call into `history`.
    func collectHistory() throws {
        try tables.store.sync()
        if modelReader == nil { modelReader = try tables.store.makeChangeReader(after: history.last?.lastSequence ?? .zero) }
        while true {
            let batches = try modelReader!.next()
            if batches.isEmpty { break }
            history += batches
        }
        if let last = history.last { try tables.store.acknowledgeChanges(consumer: "model", through: last.lastSequence) }
    }

    /// The store's contents (every engine key) after every batch stamped at or before `instant`.
    func expectedDigest(at instant: HybridTimestamp) -> StoreDigest {
        var model = KeyValueModel()
        for batch in history where batch.stamp <= instant {
            var operations: [ModelOperation] = []
            batch.forEachOperation { kind, key, value in
                operations.append(kind == .value ? .put(Array(key), Array(value)) : .delete(Array(key)))
            }
            model.apply(operations)
        }
        return StoreDigest(model.scan())
    }

    /// The digest of the whole store at `path` (every engine key).
    func digest(ofStoreAt path: String) throws -> StoreDigest {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.createIfMissing = false
        let store = try Store.open(at: path, options: options)
        defer { try? store.close() }
        return StoreDigest(try store.scan())
    }
}
