import TernEngine
import TernTables

/// Where a restore goes to.
public enum RestoreTarget: Sendable, Equatable {
    /// The latest restorable instant.
    case latest
    /// Every batch committed at or before this instant (microsecond precision: every batch
    /// stamped within that microsecond is included), none after.
    case instant(microseconds: UInt64)
    /// Every batch stamped at or before `stamp`: finer than a microsecond, it can end inside a
    /// burst of batches committed within one microsecond.
    case stamp(HybridTimestamp)

    /// Parses `latest` or an RFC 3339 time with up to microseconds.
    public init?(parsing text: String) {
        if text == "latest" {
            self = .latest
        } else if let microseconds = UTCTime.parse(text) {
            self = .instant(microseconds: microseconds)
        } else {
            return nil
        }
    }
}

/// Progress of a restore, for a progress bar.
public struct RestoreProgress: Sendable {
    public var phase: String
    public var completed: Int
    public var total: Int
}

/// What a restore did.
public struct RestoreSummary: Sendable {
    /// The instant restored to (the window's latest for `.latest`).
    public var instant: HybridTimestamp
    /// The checkpoint started from.
    public var checkpointSequence: UInt64
    public var checkpointStamp: HybridTimestamp
    /// Batches replayed after the checkpoint, and the stamp of the last one (or the checkpoint's).
    public var batchesReplayed: Int
    public var lastIncludedStamp: HybridTimestamp
    /// Files whose size and checksum were verified, and their bytes.
    public var filesVerified: Int
    public var bytesVerified: Int
    /// Per table of the result: items and index entries.
    public var tables: [TableStoreSummary.Table]
    public var duration: Duration
}

/// The restorable window and the contents of an archive (`tern restore --info`).
public struct ArchiveInfo: Sendable {
    public var lineage: String
    public var window: ArchiveState.Window?
    public var checkpoints: [ArchiveState.Checkpoint]
    public var segments: [ArchiveState.Segment]
    public var gaps: [ArchiveState.Gap]
    /// Bytes of checkpoint files and segments.
    public var sizeBytes: Int
}

/// Rebuilding a store from an archive, as of an instant.
public enum ArchiveRestore {
    /// What the archive at `archive` can restore.
    public static func info(archive: String, fileSystem: any FileSystem = PosixFileSystem()) throws -> ArchiveInfo {
        let state = try ArchiveManifestFile.read(fileSystem: fileSystem, directory: archive)
        let checkpoints = state.checkpoints.values.sorted { $0.sequence < $1.sequence }
        let segments = state.segments.values.sorted { $0.firstSequence < $1.firstSequence }
        let size = checkpoints.flatMap(\.files).reduce(0) { $0 + $1.sizeBytes } + segments.reduce(0) { $0 + $1.sizeBytes }
        return ArchiveInfo(lineage: state.lineage, window: state.window, checkpoints: checkpoints, segments: segments,
                           gaps: state.gaps, sizeBytes: size)
    }

    /// Builds, in the new directory `into`, the store as it was at `target`: exactly the batches
    /// stamped at or before it, none in part; indexes included (they were written in the same
    /// batches). The result opens as a normal store and is a new lineage (archive it to a new
    /// directory). Every file read is verified against the size and checksum the archive
    /// recorded first: damage is an error naming the file, never a wrong restore.
    ///
    /// - Parameters:
    ///   - tables: restore only these tables (nil: everything).
    /// - Throws: `invalidArgument` for an instant outside the window (the message gives the
    ///   window) or a non-empty `into`; `corruption` naming a damaged archive file.
    public static func restore(
        archive: String, to target: RestoreTarget, into: String, tables: [String]? = nil,
        fileSystem: any FileSystem = PosixFileSystem(), progress: (RestoreProgress) -> Void = { _ in }
    ) throws -> RestoreSummary {
        let started = ContinuousClock.now
        let state = try ArchiveManifestFile.read(fileSystem: fileSystem, directory: archive)
        guard let window = state.window else {
            throw TernError(.invalidArgument, "the archive holds no checkpoint yet: nothing can be restored", file: archive)
        }
        let instant: HybridTimestamp
        switch target {
        case .latest: instant = window.latest
        case .instant(let microseconds): instant = .endOf(microsecond: microseconds)
        case .stamp(let stamp): instant = stamp
        }
        let plan = try state.restorePlan(for: instant)
        if fileSystem.exists(into), try !fileSystem.listDirectory(into).isEmpty {
            throw TernError(.invalidArgument, "the restore target directory is not empty", file: into)
        }
        var summary = RestoreSummary(
            instant: instant, checkpointSequence: plan.checkpoint.sequence, checkpointStamp: plan.checkpoint.stamp,
            batchesReplayed: 0, lastIncludedStamp: plan.checkpoint.stamp, filesVerified: 0, bytesVerified: 0,
            tables: [], duration: .zero)
        let storeDirectory = tables == nil ? into : into + ".restoring"
        do {
            try copyCheckpoint(plan.checkpoint, archive: archive, into: storeDirectory, fileSystem: fileSystem,
                               summary: &summary, progress: progress)
            var options = StoreOptions()
            options.fileSystem = fileSystem
            options.createIfMissing = false
            let store = try Store.open(at: storeDirectory, options: options)
            do {
                try replay(plan, archive: archive, until: instant, into: store, fileSystem: fileSystem, summary: &summary, progress: progress)
                try store.sync()
                try store.close()
            } catch {
                try? store.close()
                throw error
            }
            if let tables {
                try copyTables(tables, from: storeDirectory, into: into, fileSystem: fileSystem, progress: progress)
                removeTree(storeDirectory, fileSystem: fileSystem)
            }
            summary.tables = try tableSummary(of: into, fileSystem: fileSystem)
        } catch {
            removeTree(storeDirectory, fileSystem: fileSystem)
            if tables != nil { removeTree(into, fileSystem: fileSystem) }
            throw error
        }
        summary.duration = ContinuousClock.now - started
        return summary
    }

    /// Verifies the checkpoint's files and links (or copies) them into `into`.
    private static func copyCheckpoint(
        _ checkpoint: ArchiveState.Checkpoint, archive: String, into: String, fileSystem: any FileSystem,
        summary: inout RestoreSummary, progress: (RestoreProgress) -> Void
    ) throws {
        try fileSystem.createDirectory(into)
        let folder = ArchiveLayout.checkpointName(checkpoint.number)
        for (index, file) in checkpoint.files.enumerated() {
            progress(RestoreProgress(phase: "verifying and copying the checkpoint", completed: index, total: checkpoint.files.count))
            let name = folder + "/" + file.name
            let source = Path.join(archive, name)
            try fileSystem.verify(source, name: name, sizeBytes: file.sizeBytes, crc32c: file.crc32c)
            summary.filesVerified += 1
            summary.bytesVerified += file.sizeBytes
            let destination = Path.join(into, file.name)
            // SSTables are immutable: share them. The small manifest files are copied.
            if file.name.hasSuffix(".sst"), (try? fileSystem.link(source, to: destination)) != nil { continue }
            try fileSystem.copyFile(source, to: destination)
        }
        try fileSystem.syncDirectory(into)
    }

    /// Applies the archived batches after the checkpoint, up to the instant, in order.
    private static func replay(
        _ plan: ArchiveState.RestorePlan, archive: String, until instant: HybridTimestamp, into store: Store,
        fileSystem: any FileSystem, summary: inout RestoreSummary, progress: (RestoreProgress) -> Void
    ) throws {
        var expected = plan.checkpoint.sequence + 1
        for (index, segment) in plan.segments.enumerated() {
            progress(RestoreProgress(phase: "replaying segments", completed: index, total: plan.segments.count))
            let name = ArchiveLayout.segmentName(segment.number)
            let path = Path.join(archive, name)
            let bytes: [UInt8]
            if segment.isSealed {
                try fileSystem.verify(path, name: name, sizeBytes: segment.sizeBytes, crc32c: segment.crc32c)
                bytes = try fileSystem.readFile(path)
            } else {
                // The open segment: valid through the length its last progress record gave.
                let file: any ReadableFile
                do {
                    file = try fileSystem.openReadable(path)
                } catch let error as TernError where error.code == .notFound {
                    throw TernError.corruption("\(name) is missing from the archive", file: name, offset: nil)
                }
                defer { file.close() }
                guard file.size >= segment.sizeBytes else {
                    throw TernError.corruption(
                        "\(name) is \(file.size) bytes; the archive recorded \(segment.sizeBytes) as synced", file: name, offset: file.size)
                }
                bytes = try file.readExactly(at: 0, count: segment.sizeBytes, path: name)
            }
            summary.filesVerified += 1
            summary.bytesVerified += bytes.count
            var reader = LogReader(bytes: bytes, path: name, tailMayBeTorn: false)
            while let record = try reader.next() {
                let offset = reader.endOfLastRecord - record.count
                let batch = try CommittedBatch.decode(record, file: name, offset: offset)
                if batch.lastSequence.rawValue < expected { continue }
                if batch.stamp > instant { return }
                guard batch.sequence.rawValue == expected else {
                    throw TernError.corruption(
                        "the archive misses batches: \(name) continues at sequence \(batch.sequence), expected \(expected)",
                        file: name, offset: offset)
                }
                try store.write(batch.writeBatch, durability: .buffered)
                expected = batch.lastSequence.rawValue + 1
                summary.batchesReplayed += 1
                summary.lastIncludedStamp = batch.stamp
            }
        }
        // Every recorded batch up to the instant was read: the files ending early is damage.
        if let last = plan.segments.last, expected <= last.lastSequence {
            throw TernError.corruption("the archive's segments end before sequence \(last.lastSequence)", file: ArchiveLayout.manifest, offset: nil)
        }
    }

    /// Copies `tables` (schema, indexes, TTL, items) from the store at `source` into a new store
    /// at `destination`.
    private static func copyTables(
        _ names: [String], from source: String, into destination: String, fileSystem: any FileSystem,
        progress: (RestoreProgress) -> Void
    ) throws {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        let from = try TableStore.open(at: source, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        defer { try? from.close() }
        let to = try TableStore.open(at: destination, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        defer { try? to.close() }
        for (index, name) in names.enumerated() {
            progress(RestoreProgress(phase: "copying table \(name)", completed: index, total: names.count))
            _ = try TableCopy.copy(table: name, from: from, to: to, as: name)
        }
        try to.store.sync()
    }

    private static func tableSummary(of directory: String, fileSystem: any FileSystem) throws -> [TableStoreSummary.Table] {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.readOnly = true
        let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        defer { try? tables.close() }
        return try tables.summary().tables
    }

    /// Removes a directory this restore created, with everything in it (best effort).
    static func removeTree(_ path: String, fileSystem: any FileSystem) {
        guard let names = try? fileSystem.listDirectory(path) else { return }
        for name in names {
            let child = Path.join(path, name)
            if (try? fileSystem.listDirectory(child)) != nil {
                removeTree(child, fileSystem: fileSystem)
            } else {
                try? fileSystem.removeFile(child)
            }
        }
        try? fileSystem.removeDirectory(path)
    }
}
