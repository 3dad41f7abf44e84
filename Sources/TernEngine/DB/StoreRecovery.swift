import Logging

/// Opening a store: lock the directory, read the manifest, replay the WALs into new level-0
/// SSTables, start a fresh WAL and manifest, and remove files nothing refers to.
///
/// Every step is safe to interrupt: until `CURRENT` names the new manifest, the old manifest and
/// the old WALs are still in charge, and the tables written so far are unreferenced garbage that
/// the next open removes.
struct StoreRecovery {
    let directory: String
    let options: StoreOptions
    var fileSystem: any FileSystem { options.fileSystem }

    func run() throws -> Store {
        guard options.maxBatchBytes > 0, options.maxBatchBytes <= LogFormat.maxRecordSize else {
            throw TernError(.invalidArgument, "maxBatchBytes must be between 1 and \(LogFormat.maxRecordSize)")
        }
        if !fileSystem.exists(directory) {
            guard options.createIfMissing else {
                throw TernError(.notFound, "no store at this path (createIfMissing is off)", file: directory)
            }
            try createDirectoryDurably(directory)
        }
        try refuseForeignDirectory()
        let fileLock = try fileSystem.lock(Path.join(directory, FileName.lock))
        do {
            return try recover(fileLock: fileLock)
        } catch {
            fileLock.unlock()
            throw error
        }
    }

    /// Creates `path` and its missing parents and syncs the parent of each one created, so the
    /// new store's directory entry is durable before its first synced write is acknowledged.
    private func createDirectoryDurably(_ path: String) throws {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", current != ".", !fileSystem.exists(current) {
            missing.append(current)
            let parent = Path.directory(of: current)
            if parent == current { break }
            current = parent
        }
        try fileSystem.createDirectory(path)
        for created in missing.reversed() { try fileSystem.syncDirectory(Path.directory(of: created)) }
    }

    private func recover(fileLock: any FileLock) throws -> Store {
        let names = try fileSystem.listDirectory(directory)
        let kinds = names.compactMap { name in FileName.parse(name).map { (name, $0) } }
        let versions: VersionSet
        if kinds.contains(where: { $0.1 == .current }) {
            if options.errorIfExists { throw TernError(.invalidArgument, "a store exists here", file: directory) }
            versions = try VersionSet.recover(fileSystem: fileSystem, directory: directory)
        } else {
            // No CURRENT: a new store, or one whose creation was interrupted before CURRENT was
            // written (then only an unreferenced manifest can exist). Data files without CURRENT
            // mean CURRENT was lost: refuse rather than start empty over someone's data.
            if let orphan = kinds.first(where: { if case .wal = $0.1 { return true }; if case .table = $0.1 { return true }; return false }) {
                throw TernError.corruption(
                    "CURRENT is missing but data files exist (\(orphan.0)); refusing to start empty", file: FileName.current, offset: nil)
            }
            guard options.createIfMissing else {
                throw TernError(.notFound, "no store at this path (createIfMissing is off)", file: directory)
            }
            versions = .fresh(fileSystem: fileSystem, directory: directory)
            for (_, kind) in kinds {
                if case .manifest(let number) = kind { versions.markFileNumberUsed(number) }
            }
            // CURRENT comes first: a crash from here on leaves a store that opens, never data
            // files without a CURRENT (which the check above refuses).
            try versions.writeNewManifest()
        }
        for (_, kind) in kinds {
            switch kind {
            case .wal(let number), .table(let number), .manifest(let number): versions.markFileNumberUsed(number)
            default: break
            }
        }
        try verifyFilesExist(names: Set(names), versions: versions)
        var report = RecoveryReport()
        if let (file, torn) = versions.tornTail {
            report.tornTails.append(.init(file: file, offset: torn.offset, droppedBytes: torn.droppedBytes))
        }

        // Replay the WALs the manifest does not cover, oldest first.
        let walNumbers = kinds.compactMap { entry -> FileNumber? in
            if case .wal(let number) = entry.1, number >= versions.logNumber { return number }
            return nil
        }.sorted()
        // The manifest's last sequence and stamp may exceed what the WALs hold (they are taken at
        // flush time), so batches are checked only against each other.
        var replayed = Replay()
        var edit = VersionEdit()
        var memtable = Memtable.forStore(options)
        for number in walNumbers {
            try replay(wal: number, isNewest: number == walNumbers.last, into: &memtable, state: &replayed,
                       edit: &edit, versions: versions, report: &report)
        }
        if !memtable.isEmpty { try flush(&memtable, edit: &edit, versions: versions) }
        // A kept WAL must read clean for the change feed: cut its torn tail off (it was dropped).
        if let torn = report.tornTails.first(where: { FileName.parse($0.file).map(\.isWAL) ?? false }) {
            try fileSystem.truncateFile(Path.join(directory, torn.file), to: torn.offset)
        }

        // A fresh WAL, then a fresh manifest that makes it the live one.
        let walNumber = versions.newFileNumber()
        let walFile = try fileSystem.openWritable(Path.join(directory, FileName.wal(walNumber)), truncate: true)
        try fileSystem.syncDirectory(directory)
        let lastSequence = max(replayed.lastSequence, versions.lastSequence)
        versions.lastSequence = lastSequence
        // Stamps keep increasing across restarts, whatever the wall clock says now.
        let lastStamp = max(replayed.lastStamp, versions.lastStamp)
        options.clock.observe(lastStamp)
        versions.lastStamp = lastStamp
        versions.walStarts[walNumber] = lastSequence + 1
        try versions.installRecovered(edit)
        try versions.writeNewManifest(logNumber: walNumber)

        // Listed again: recovery itself wrote manifests (a new store's first one included) that
        // the listing above predates.
        removeObsoleteFiles(names: (try? fileSystem.listDirectory(directory)) ?? names, versions: versions, liveWAL: walNumber)
        versions.rotationBytes = options.manifestRotationBytes
        let store = Store(
            options: options, directory: directory, versions: versions, memtable: Memtable.forStore(options),
            walNumber: walNumber, walFile: walFile, lastSequence: lastSequence, fileLock: fileLock)
        store.committedStamp.store(lastStamp.rawValue, ordering: .releasing)
        store.recoveryReport = report
        if let summary = report.summary {
            options.logger.warning("\(summary)", metadata: ["directory": "\(directory)"])
        }
        store.stats.tornBytesDropped.store(report.tornBytesDropped, ordering: .relaxed)
        return store
    }

    /// Checks that every file the manifest names is present whole, and that the WAL it names as
    /// live exists (it is removed only after a later edit moves past it). A missing or short
    /// file means the manifest or the directory is damaged: opening anyway would serve a store
    /// with holes, and removing "unreferenced" files could destroy the data that is missing.
    private func verifyFilesExist(names: Set<String>, versions: VersionSet) throws {
        let manifest = versions.manifestNumber.map(FileName.manifest) ?? FileName.current
        for file in versions.current.allFiles {
            let name = FileName.table(file.number)
            guard names.contains(name) else {
                // Named after the manifest: a table is never removed while the manifest names it,
                // so a stale or cut manifest is the likelier damage (and the one to look at).
                throw TernError.corruption(
                    "\(manifest) names \(name), which is missing (is the manifest cut short or stale?)",
                    file: manifest, offset: nil)
            }
            let size = try fileSystem.fileSize(Path.join(directory, name))
            guard size == file.sizeBytes else {
                throw TernError.corruption(
                    "\(name) is \(size) bytes; \(manifest) says \(file.sizeBytes)", file: name, offset: min(size, file.sizeBytes))
            }
        }
        if versions.logNumber.rawValue > 0 {
            let wal = FileName.wal(versions.logNumber)
            guard names.contains(wal) else {
                throw TernError.corruption(
                    "\(manifest) names \(wal) as the live WAL, which is missing (is the manifest cut short?)",
                    file: manifest, offset: nil)
            }
        }
    }

    /// What replay has read so far.
    struct Replay {
        var lastSequence = SequenceNumber.zero
        var lastStamp = HybridTimestamp.zero
    }

    private func replay(
        wal number: FileNumber, isNewest: Bool, into memtable: inout Memtable, state: inout Replay,
        edit: inout VersionEdit, versions: VersionSet, report: inout RecoveryReport
    ) throws {
        let name = FileName.wal(number)
        // Only the newest WAL can end in a torn write: a WAL is synced whole before the next one
        // starts (see `switchMemtable`).
        var reader = LogReader(bytes: try fileSystem.readFile(Path.join(directory, name)), path: name, tailMayBeTorn: isNewest)
        report.walsReplayed.append(name)
        var firstSequence: SequenceNumber?
        while let record = try reader.next() {
            let offset = reader.endOfLastRecord - record.count
            // A store of an older format wrote its WALs in that format (format 1: no stamps).
            try LoggedRecord.forEachBatch(
                in: record, formatVersion: versions.formatVersion, after: state.lastSequence, afterStamp: state.lastStamp,
                file: name, offset: offset
            ) { batch in
                var sequence = batch.sequence
                batch.forEachOperation { kind, key, value in
                    memtable.add(sequence: sequence, kind: kind, key: key, value: value)
                    sequence = sequence + 1
                }
                if firstSequence == nil { firstSequence = batch.sequence }
                state.lastSequence = batch.lastSequence
                state.lastStamp = max(state.lastStamp, batch.stamp)
                report.batchesReplayed += 1
            }
            if memtable.memoryUsage >= options.memtableBudgetBytes { try flush(&memtable, edit: &edit, versions: versions) }
        }
        if let firstSequence { versions.walStarts[number] = firstSequence }
        if let torn = reader.tornTail {
            report.tornTails.append(.init(file: name, offset: torn.offset, droppedBytes: torn.droppedBytes))
        }
    }

    private func flush(_ memtable: inout Memtable, edit: inout VersionEdit, versions: VersionSet) throws {
        let number = versions.newFileNumber()
        let table = try TableWriting.write(
            memtable, number: number, fileSystem: fileSystem, directory: directory, options: options)
        edit.newFiles.append((0, table))
        memtable = Memtable.forStore(options)
    }

    /// Removes what no live state refers to: WALs neither the engine nor a change-feed consumer
    /// needs, old manifests, unreferenced tables (from an interrupted flush or recovery) and
    /// temporary files. Failures are harmless.
    private func removeObsoleteFiles(names: [String], versions: VersionSet, liveWAL: FileNumber) {
        let liveTables = Set(versions.current.allFiles.map(\.number))
        var wals: [WALRetention.File] = []
        for name in names {
            let obsolete: Bool
            switch FileName.parse(name) {
            case .wal(let number)?:
                if number != liveWAL {
                    let size = (try? fileSystem.fileSize(Path.join(directory, name))) ?? 0
                    wals.append(.init(number: number, firstSequence: versions.walStarts[number], sizeBytes: size))
                }
                obsolete = false
            case .table(let number)?: obsolete = !liveTables.contains(number)
            case .manifest(let number)?: obsolete = number != versions.manifestNumber
            case .temporary?: obsolete = true
            default: obsolete = false
            }
            if obsolete { try? fileSystem.removeFile(Path.join(directory, name)) }
        }
        let deletable = WALRetention.obsolete(
            wals, logNumber: versions.logNumber, lastSequence: versions.lastSequence,
            consumers: Array(versions.feedConsumers.values), retentionBytes: options.changeFeedRetentionBytes)
        for number in deletable { try? fileSystem.removeFile(Path.join(directory, FileName.wal(number))) }
        let present = Set(wals.map(\.number)).subtracting(deletable).union([liveWAL])
        versions.walStarts = versions.walStarts.filter { present.contains($0.key) }
    }
}
