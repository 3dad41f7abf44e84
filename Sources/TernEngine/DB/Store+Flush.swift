extension Store {
    func startBackgroundThread() {
        let thread = backgroundThread(niceness: 0) { store in store.flushStep() }
        lock.withLock { backgroundThread = thread }
    }

    /// One step of the flush thread: flushes the immutable memtable when there is one.
    /// REQUIRES: `lock` held.
    private func flushStep() -> BackgroundStep {
        guard let pending = immutable, backgroundError == nil else {
            return isShuttingDown ? .stop : .idle
        }
        do {
            let number = versions.newFileNumber()
            let logNumber = walNumber
            lock.unlock()
            let start = ContinuousClock.now
            let result = Result { try writeLevel0Table(pending, number: number) }
            lock.lock()
            do {
                var edit = VersionEdit()
                if let table = try result.get() { edit.newFiles.append((0, table)) }
                // The WAL this flush retires may stay for the change feed: its start must be
                // durable before the log number moves past it.
                for number in [versions.logNumber, logNumber] {
                    if let first = versions.walStarts[number] { edit.walStarts.append((number, first)) }
                }
                edit.logNumber = logNumber
                versions.lastSequence = lastSequence
                try versions.logAndApply(edit)
                immutable = nil
                if checkpointRequests[logNumber] != nil { checkpointVersions[logNumber] = versions.current }
                publishView()
                stats.flushes.wrappingAdd(1, ordering: .relaxed)
                recordFlush(of: try result.get(), since: start)
                deleteObsoleteWALs()
                // Tables released by readers since the last compaction can go now too.
                deleteObsoleteTables()
            } catch {
                refuseWrites(after: error, while: "flushing a memtable")
            }
            backgroundChanged.broadcast()
        }
        return .again
    }

    /// Writes `memtable` to SSTable `number`, synced and with its name durable. Returns nil for
    /// an empty memtable. Runs without `lock`.
    func writeLevel0Table(_ memtable: Memtable, number: FileNumber) throws -> VersionEdit.NewFile? {
        guard !memtable.isEmpty else { return nil }
        let table = try TableWriting.write(
            memtable, number: number, fileSystem: fileSystem, directory: directory, options: options)
        stats.flushBytesWritten.wrappingAdd(table.sizeBytes, ordering: .relaxed)
        return table
    }

    /// Removes WAL files whose contents are all in SSTables and that no change-feed consumer
    /// needs any more (`WALRetention`). Failures are harmless (retried at the next flush or
    /// open). REQUIRES: `lock` held.
    func deleteObsoleteWALs() {
        guard let names = try? fileSystem.listDirectory(directory) else { return }
        var files: [WALRetention.File] = []
        for name in names {
            guard case .wal(let number)? = FileName.parse(name), number < versions.logNumber else { continue }
            let size = (try? fileSystem.fileSize(Path.join(directory, name))) ?? 0
            files.append(.init(number: number, firstSequence: versions.walStarts[number], sizeBytes: size))
        }
        let deletable = WALRetention.obsolete(
            files, logNumber: versions.logNumber, lastSequence: lastSequence,
            consumers: Array(versions.feedConsumers.values), retentionBytes: options.changeFeedRetentionBytes)
        for number in deletable {
            try? fileSystem.removeFile(Path.join(directory, FileName.wal(number)))
            versions.walStarts[number] = nil
        }
    }
}

/// Writing a memtable out as an SSTable (flush and recovery share it).
enum TableWriting {
    static func tableOptions(_ options: StoreOptions) -> SSTableOptions {
        var tableOptions = SSTableOptions()
        tableOptions.blockSizeBytes = options.blockSizeBytes
        tableOptions.compression = options.compression
        tableOptions.bloomBitsPerKey = options.bloomBitsPerKey
        return tableOptions
    }

    static func write(
        _ memtable: Memtable, number: FileNumber, fileSystem: any FileSystem, directory: String, options: StoreOptions
    ) throws -> VersionEdit.NewFile {
        let name = FileName.table(number)
        let path = Path.join(directory, name)
        let file = try fileSystem.openWritable(path, truncate: true)
        // Closed exactly once: a descriptor closed twice may by then belong to another thread.
        var isClosed = false
        do {
            var builder = SSTableBuilder(file: file, path: name, options: tableOptions(options))
            var iterator = memtable.makeIterator()
            iterator.seekToFirst()
            while iterator.isValid {
                try builder.add(iterator.key, iterator.value)
                iterator.next()
            }
            let properties = try builder.finish()
            try file.sync()
            isClosed = true
            try file.close()
            try fileSystem.syncDirectory(directory)
            guard let smallest = properties.smallestKey, let largest = properties.largestKey else {
                preconditionFailure("a non-empty memtable produced an empty SSTable")
            }
            return VersionEdit.NewFile(
                number: number, sizeBytes: properties.fileSizeBytes, smallest: smallest, largest: largest)
        } catch {
            if !isClosed { try? file.close() }
            try? fileSystem.removeFile(path)
            throw error
        }
    }
}
