import Glibc
import Logging
import Synchronization
import TernEngine

/// Ships a store's committed batches, and periodic checkpoints of it, to an archive directory
/// (which may be on another disk) so that any instant of the retention window can be restored
/// even after the live store is lost. The archive is the store's change-feed consumer
/// `options.consumerName`.
///
/// ```swift
/// let archive = try ContinuousArchive.start(store: store, directory: "/backup/users", options: ArchiveOptions())
/// // ... the store is used as usual; every `archiveInterval` new batches are shipped ...
/// try archive.stop()
/// ```
///
/// Every pass (each `archiveInterval`, on its own thread): sync the store's WAL (so buffered
/// writes are shipped too), read the new durable batches from the change feed, append them to
/// the open segment, sync it, record the progress in `ARCHIVE` (synced), acknowledge the feed.
/// A crash anywhere loses nothing: batches not acknowledged are read again, and ones already in
/// the segment are skipped. Checkpoints come every `checkpointInterval`; pruning keeps exactly
/// what the retention window needs.
///
/// Failures (a full disk, EIO) do not stop the store: the pass records the error in `status`
/// and a log line, and the next pass retries (rewriting `ARCHIVE` and cutting the open segment
/// back to its last recorded length first). If the store dropped WAL files the archive had not
/// read (it fell further behind than `changeFeedRetentionBytes`), the archive takes a new
/// checkpoint and records the gap: instants inside it cannot be restored, and say so.
///
/// Thread safety: every method may be called from any thread; passes run one at a time.
public final class ContinuousArchive: Sendable {
    public let store: Store
    public let directory: String
    public let options: ArchiveOptions
    let fileSystem: any FileSystem
    private let work: Mutex<Work>
    let statusBox = Mutex(ArchiveStatus())
    private let stopRequested = Atomic<Bool>(false)
    private let thread = Mutex<BackgroundThread?>(nil)

    /// What a pass works on; owned by whichever thread runs a pass.
    struct Work: ~Copyable {
        var manifest: ArchiveManifestFile
        var state: ArchiveState
        var segment: LogWriter?
        var reader: ChangeReader?
        var needsRepair = false
        var lastCheckpointMicroseconds: UInt64 = 0
        var lastPruneMicroseconds: UInt64 = 0
        var nextNumber: UInt64 = 1
    }

    private init(store: Store, directory: String, options: ArchiveOptions, work: consuming sending Work) {
        self.store = store
        self.directory = directory
        self.options = options
        self.fileSystem = store.fileSystem
        self.work = Mutex(work)
    }

    /// Opens (or creates) the archive at `directory` for `store`, takes a first checkpoint when
    /// it has none, and starts shipping every `archiveInterval` on a dedicated thread.
    ///
    /// - Throws: `invalidArgument` when the archive belongs to another store lineage (a restored
    ///   store starts a new one: give it a new archive directory) or the options are invalid;
    ///   corruption of `ARCHIVE`; I/O errors.
    public static func start(store: Store, directory: String, options: ArchiveOptions, startThread: Bool = true) throws -> ContinuousArchive {
        let archive = try open(store: store, directory: directory, options: options)
        if startThread { archive.startThread() }
        return archive
    }

    static func open(store: Store, directory: String, options: ArchiveOptions) throws -> ContinuousArchive {
        try options.validate()
        let fileSystem = store.fileSystem
        let manifestPath = Path.join(directory, ArchiveLayout.manifest)
        let lineagePath = Path.join(store.directory, ArchiveLayout.storeLineageFile)
        let storeLineage = fileSystem.exists(lineagePath)
            ? String(decoding: try fileSystem.readFile(lineagePath), as: UTF8.self) : nil
        var state: ArchiveState
        if fileSystem.exists(manifestPath) {
            state = try ArchiveManifestFile.read(fileSystem: fileSystem, directory: directory)
            guard storeLineage == state.lineage else {
                throw TernError(.invalidArgument,
                    "the archive at \(directory) belongs to store lineage \(state.lineage), and this store is "
                        + (storeLineage.map { "lineage \($0)" } ?? "not archived there (a restored or new store starts a new lineage: use a new archive directory)"),
                    file: directory)
            }
        } else {
            try fileSystem.createDirectory(directory)
            if try fileSystem.listDirectory(directory).contains(where: { !$0.hasPrefix(".") }) {
                throw TernError(.invalidArgument, "the archive directory is not empty and holds no archive", file: directory)
            }
            state = ArchiveState()
            state.lineage = Self.newLineageID()
        }
        for name in [ArchiveLayout.segments, ArchiveLayout.checkpoints] { try fileSystem.createDirectory(Path.join(directory, name)) }
        // The store names the lineage before the archive exists: a crash in between leaves a
        // store naming an archive that is not there, which the next start creates anew.
        if storeLineage != state.lineage {
            try fileSystem.writeFileAtomically(lineagePath, Array(state.lineage.utf8))
        }
        var manifest = ArchiveManifestFile(fileSystem: fileSystem, directory: directory)
        try manifest.rewrite(state)  // also clears a torn tail
        let used = try Self.largestNumberOnDisk(fileSystem, directory)
        var work = Work(manifest: manifest, state: state)
        work.nextNumber = max(used, state.largestNumber) + 1
        work.needsRepair = state.openSegment != nil
        // The schedule continues from the newest checkpoint, not from this start.
        work.lastCheckpointMicroseconds = state.checkpoints.values.map(\.stamp.physicalMicroseconds).max() ?? 0
        let archive = ContinuousArchive(store: store, directory: directory, options: options, work: work)
        try store.registerChangeConsumer(options.consumerName)
        try archive.work.withLock { work in
            try archive.repairIfNeeded(&work)
            if work.state.checkpoints.isEmpty { try archive.takeCheckpoint(&work) }
        }
        archive.refreshStatus()
        return archive
    }

    private static func newLineageID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let word = generator.next() as UInt64
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// The largest segment or checkpoint number present in the directory (leftovers of an
    /// interrupted pass included), so a new one never collides with it.
    private static func largestNumberOnDisk(_ fileSystem: any FileSystem, _ directory: String) throws -> UInt64 {
        var largest: UInt64 = 0
        for folder in [ArchiveLayout.segments, ArchiveLayout.checkpoints] {
            for name in try fileSystem.listDirectory(Path.join(directory, folder)) {
                let digits = name.prefix { $0.isNumber }
                if let number = UInt64(digits) { largest = max(largest, number) }
            }
        }
        return largest
    }

    private func startThread() {
        let started = BackgroundThread(niceness: 3) { [self] in
            var nextPass = ContinuousClock.now
            while !stopRequested.load(ordering: .relaxed) {
                if ContinuousClock.now >= nextPass {
                    let start = ContinuousClock.now
                    runPass()
                    // A batch committed just after a pass read the feed waits for the next pass
                    // and that pass's own work: passes every half interval keep the sum (the
                    // recovery point) within `archiveInterval` while a pass takes less than half
                    // of it. Each pass costs one segment fsync and one ARCHIVE append.
                    nextPass = start + options.archiveInterval / 2
                }
                usleep(5_000)
            }
        }
        thread.withLock { $0 = started }
    }

    /// Stops the thread after one last pass, and closes the archive's files. The store stays
    /// open (and registered as the feed's consumer, so its WALs wait for the next start).
    public func stop() throws {
        stopRequested.store(true, ordering: .relaxed)
        if let running = thread.withLock({ $0.take() }) { running.join() }
        try archiveNow()
        work.withLock { work in
            if let segment = work.segment.take() { try? segment.close() }
            work.manifest.close()
        }
    }

    /// Runs one pass now, on the calling thread, and throws its failure (tests, tools, and the
    /// last pass of `stop`).
    public func archiveNow() throws {
        try work.withLock { work in try pass(&work) }
        refreshStatus()
    }

    /// Takes a checkpoint now (on the calling thread).
    public func checkpointNow() throws {
        try work.withLock { work in
            do {
                try repairIfNeeded(&work)
                try takeCheckpoint(&work)
            } catch {
                work.needsRepair = true
                throw error
            }
        }
        refreshStatus()
    }

    /// What the archive is doing.
    public var status: ArchiveStatus { statusBox.withLock { $0 } }

    /// The archive's state as its manifest describes it.
    public var state: ArchiveState { work.withLock { $0.state } }

    /// A pass on the archive thread: failures are recorded, not thrown.
    private func runPass() {
        do {
            try work.withLock { work in try pass(&work) }
            statusBox.withLock { status in
                if status.failure != nil { options.logger.info("the archive is writable again", metadata: ["archive": "\(directory)"]) }
                status.failure = nil
                status.failingSinceMicroseconds = nil
            }
        } catch {
            let now = store.clock.physicalClock.microsecondsSinceEpoch()
            statusBox.withLock { status in
                if status.failure == nil {
                    options.logger.error("the archive cannot be written; writes go on and the archive will catch up",
                                         metadata: ["archive": "\(directory)", "error": "\(error)"])
                    status.failingSinceMicroseconds = now
                }
                status.failure = "\(error)"
            }
        }
        refreshStatus()
    }

    private func refreshStatus() {
        let (state, archived) = work.withLock { ($0.state, $0.state.lastArchived) }
        statusBox.withLock { status in
            if let archived {
                status.lastArchivedSequence = SequenceNumber(archived.sequence)
                status.lastArchivedStamp = archived.stamp
            }
            status.window = state.window
            status.gaps = state.gaps
        }
    }

    func now() -> UInt64 { store.clock.physicalClock.microsecondsSinceEpoch() }
}

extension ContinuousArchive {
    /// Records a table's point-in-time-recovery switch (from now on, or off now).
    public func setTableRecovery(_ table: String, enabled: Bool) throws {
        try work.withLock { work in
            do {
                try repairIfNeeded(&work)
                let edit = ArchiveEdit([.tableRecovery(table: table, enabled: enabled, since: store.clock.now())])
                try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
                try work.manifest.append(edit, state: work.state)
            } catch {
                work.needsRepair = true
                throw error
            }
        }
    }
}
