/// A consistent copy of a store as of one batch, written by `Store.checkpoint(into:)`.
public struct Checkpoint: Sendable, Equatable {
    /// Every batch through this sequence number is in the copy, and none after it.
    public let sequence: SequenceNumber
    /// The instant the copy represents: a stamp taken from the store's clock when its contents
    /// were fixed, so every batch through `sequence` is stamped before it and every later batch
    /// after it. (A store that has written nothing still gets the time of the checkpoint.)
    public let stamp: HybridTimestamp
    /// The files written, relative to the checkpoint directory: the SSTables, the manifest and
    /// `CURRENT`, with their sizes.
    public let files: [File]
    /// Bytes the SSTables hold (hard-linked or copied).
    public var tableBytes: Int { files.filter { $0.name.hasSuffix(".sst") }.reduce(0) { $0 + $1.sizeBytes } }

    public struct File: Sendable, Equatable {
        public let name: String
        public let sizeBytes: Int
    }
}

extension Store {
    /// Writes a consistent copy of the store into `directory` (created; must hold no store): the
    /// SSTables hard-linked (copied when linking fails, as across file systems) and a manifest
    /// naming exactly them. The directory opens as a store holding every batch through the
    /// returned sequence and none after it.
    ///
    /// How it stays exact without stopping writers for long: it holds the writer queue only to
    /// switch the memtable (every batch through `sequence` is then in the immutable memtable or
    /// SSTables), and takes the file set the flush of that memtable installs, before any later
    /// flush can add newer batches. Compactions in between rewrite files without changing what
    /// they hold as of `sequence`, since no batch after it is in any SSTable yet.
    public func checkpoint(into directory: String) throws -> Checkpoint {
        let (version, sequence, stamp) = try captureCheckpointVersion()
        try fileSystem.createDirectory(directory)
        if try fileSystem.listDirectory(directory).contains(where: { FileName.parse($0) != nil }) {
            throw TernError(.invalidArgument, "the checkpoint directory is not empty", file: directory)
        }
        var files: [Checkpoint.File] = []
        var largest = FileNumber(0)
        for file in version.allFiles {
            let name = FileName.table(file.number)
            try linkOrCopy(Path.join(self.directory, name), to: Path.join(directory, name))
            files.append(.init(name: name, sizeBytes: file.sizeBytes))
            largest = max(largest, file.number)
        }
        var edit = version.snapshotEdit()
        edit.formatVersion = VersionEdit.formatVersion
        edit.logNumber = FileNumber(0)
        let manifestNumber = FileNumber(largest.rawValue + 1)
        edit.nextFileNumber = FileNumber(manifestNumber.rawValue + 1)
        edit.lastSequence = sequence
        edit.lastStamp = stamp
        let manifestName = FileName.manifest(manifestNumber)
        var writer = LogWriter(file: try fileSystem.openWritable(Path.join(directory, manifestName), truncate: true))
        try writer.add(edit.encode())
        files.append(.init(name: manifestName, sizeBytes: writer.writtenBytes))
        try writer.sync()
        try writer.close()
        let current = Array((manifestName + "\n").utf8)
        try fileSystem.writeFileAtomically(Path.join(directory, FileName.current), current)
        files.append(.init(name: FileName.current, sizeBytes: current.count))
        return Checkpoint(sequence: sequence, stamp: stamp, files: files)
    }

    /// The file set holding exactly the batches through the returned sequence.
    private func captureCheckpointVersion() throws -> (Version, SequenceNumber, HybridTimestamp) {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        let (sequence, stamp, key) = try holdingWriterQueue { () throws -> (SequenceNumber, HybridTimestamp, FileNumber?) in
            // With the writer queue held: every batch through `sequence` has an earlier stamp,
            // every later one will get a later stamp.
            let sequence = lastSequence
            let stamp = options.clock.now()
            if let backgroundError { throw backgroundError }
            if !memtable.isEmpty { try makeRoomForWrite(force: true) }
            // The flush that installs the memtable holding `sequence` sets the log number to the
            // current WAL: that is the version to take. Nothing to flush: take the current one.
            return (sequence, stamp, immutable == nil ? nil : walNumber)
        }
        guard let key else { return (versions.current, sequence, stamp) }
        checkpointRequests[key, default: 0] += 1
        defer {
            checkpointRequests[key]! -= 1
            if checkpointRequests[key] == 0 {
                checkpointRequests[key] = nil
                checkpointVersions[key] = nil
            }
        }
        while checkpointVersions[key] == nil {
            if let backgroundError { throw backgroundError }
            if isClosed { throw TernError(.closed, "the store closed during a checkpoint") }
            backgroundChanged.wait()
        }
        return (checkpointVersions[key]!, sequence, stamp)
    }

    /// Hard-links `source` to `destination`, or copies it (synced) when linking fails.
    private func linkOrCopy(_ source: String, to destination: String) throws {
        do {
            try fileSystem.link(source, to: destination)
        } catch {
            // Across file systems (EXDEV) or where links are not allowed: copy.
            try fileSystem.copyFile(source, to: destination)
        }
    }
}
