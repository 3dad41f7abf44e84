/// Opening a store read-only (`StoreOptions.readOnly`): the state on disk, in memory, with
/// nothing written, renamed or removed and no lock taken, so another process may have the store
/// open at the same time (`tern inspect` on a running service's directory).
///
/// It reads `CURRENT`, replays the manifest, and replays the WALs the manifest does not cover
/// into a memtable that is never flushed. The tables of the recovered version are opened at
/// once (up to `maxOpenTables`): an open file stays readable even if the other process's
/// compaction deletes it afterwards. The other process may switch its manifest or WAL while
/// they are being read; a file that vanished in between (`.notFound`) makes the open start over,
/// a few times.
///
/// The store that comes out has no WAL, no lock and no background threads, and refuses writes
/// with `.readOnly`. A torn tail in the newest WAL or the manifest is expected while another
/// process writes: it is dropped and reported (`recoveryReport`) as in a normal open.
struct ReadOnlyRecovery {
    let directory: String
    let options: StoreOptions
    var fileSystem: any FileSystem { options.fileSystem }

    /// How often to start over when a file disappears under the open.
    static let attempts = 5

    func run() throws -> Store {
        guard fileSystem.exists(Path.join(directory, FileName.current)) else {
            throw TernError(.notFound, "no store at this path (no CURRENT file)", file: directory)
        }
        var attempt = 1
        while true {
            do {
                return try open()
            } catch let error as TernError where error.code == .notFound && attempt < ReadOnlyRecovery.attempts {
                attempt += 1
            }
        }
    }

    private func open() throws -> Store {
        let versions = try VersionSet.recover(fileSystem: fileSystem, directory: directory)
        var report = RecoveryReport()
        if let (file, torn) = versions.tornTail {
            report.tornTails.append(.init(file: file, offset: torn.offset, droppedBytes: torn.droppedBytes))
        }
        let walNumbers = try fileSystem.listDirectory(directory).compactMap { name -> FileNumber? in
            if case .wal(let number)? = FileName.parse(name), number >= versions.logNumber { return number }
            return nil
        }.sorted()
        let memtable = Memtable.forStore(options)
        var lastSequence = SequenceNumber.zero
        var lastStamp = HybridTimestamp.zero
        for number in walNumbers {
            let name = FileName.wal(number)
            var reader = LogReader(
                bytes: try fileSystem.readFile(Path.join(directory, name)), path: name, tailMayBeTorn: number == walNumbers.last)
            report.walsReplayed.append(name)
            while let record = try reader.next() {
                let offset = reader.endOfLastRecord - record.count
                try LoggedRecord.forEachBatch(
                    in: record, formatVersion: versions.formatVersion, after: lastSequence, afterStamp: lastStamp,
                    file: name, offset: offset
                ) { batch in
                    var sequence = batch.sequence
                    batch.forEachOperation { kind, key, value in
                        memtable.add(sequence: sequence, kind: kind, key: key, value: value)
                        sequence = sequence + 1
                    }
                    lastSequence = batch.lastSequence
                    lastStamp = max(lastStamp, batch.stamp)
                    report.batchesReplayed += 1
                }
            }
            if let torn = reader.tornTail {
                report.tornTails.append(.init(file: name, offset: torn.offset, droppedBytes: torn.droppedBytes))
            }
        }
        let store = Store(
            options: options, directory: directory, versions: versions, memtable: memtable,
            walNumber: walNumbers.last ?? versions.logNumber, walFile: nil,
            lastSequence: max(lastSequence, versions.lastSequence), fileLock: nil)
        store.recoveryReport = report
        store.committedStamp.store(max(lastStamp, versions.lastStamp).rawValue, ordering: .releasing)
        store.lock.withLock {
            store.backgroundError = TernError(.readOnly, "the store was opened read-only", file: directory)
        }
        for file in versions.current.allFiles.prefix(options.maxOpenTables) {
            _ = try store.tableCache.table(file)
        }
        return store
    }
}

extension Store {
    /// Whether the store was opened read-only (`StoreOptions.readOnly`).
    public var isReadOnly: Bool { options.readOnly }
}
