extension Store {
    func startCompactionThread() {
        let picker = CompactionPicker(options: options)
        // Compaction may lag behind: writes slow down and stall at the level-0 thresholds, so
        // it is safe to let foreground work go first.
        let thread = backgroundThread(niceness: 5) { store in store.compactionStep(picker) }
        lock.withLock { compactionThread = thread }
    }

    /// One step of the compaction thread: picks the most urgent compaction, runs it without the
    /// lock, installs the result and deletes the tables it replaced. REQUIRES: `lock` held.
    private func compactionStep(_ picker: CompactionPicker) -> BackgroundStep {
        if isShuttingDown { return .stop }
        guard backgroundError == nil, !isCompacting, compactOnce(picker) else { return .idle }
        // The compaction (and with it its inputs) is released here, so the replaced tables no
        // reader holds are queued and go now; `waitForCompactions` waits for this.
        lock.unlock()
        deleteObsoleteTables()
        lock.lock()
        isDeletingReplacedTables = false
        backgroundChanged.broadcast()
        return .again
    }

    /// Picks and runs the most urgent compaction; false when none is due. Sets
    /// `isDeletingReplacedTables` before it lets go of `lock`. REQUIRES: `lock` held.
    private func compactOnce(_ picker: CompactionPicker) -> Bool {
        guard let compaction = picker.pick(versions.current, compactPointers: compactPointers) else { return false }
        let start = ContinuousClock.now
        let (readBefore, writtenBefore) = (stats.compactionBytesRead.load(ordering: .relaxed), stats.compactionBytesWritten.load(ordering: .relaxed))
        do {
            try perform(compaction)
            recordCompaction(compaction, since: start, readBefore: readBefore, writtenBefore: writtenBefore)
        } catch {
            refuseWrites(after: error, while: "compacting level \(compaction.level)")
        }
        isDeletingReplacedTables = true
        return true
    }

    /// Runs `compaction` (a trivial move or a merge) and installs it. REQUIRES: `lock` held and
    /// no compaction running; releases the lock while merging.
    private func perform(_ compaction: Compaction) throws {
        isCompacting = true
        defer {
            isCompacting = false
            backgroundChanged.broadcast()
        }
        compactPointers[compaction.level] = compaction.inputs.map(\.largest).max { compareInternal($0, $1) < 0 }
        if compaction.isTrivialMove(targetFileSizeBytes: options.targetFileSizeBytes) {
            try moveFile(compaction)
            return
        }
        let smallestSnapshot = oldestSnapshot
        lock.unlock()
        let result = Result { try runCompaction(compaction, smallestSnapshot: smallestSnapshot) }
        lock.lock()
        try install(compaction, outputs: try result.get())
    }

    /// Compacts every level-0 file into level 1 now, on the calling thread (tests and tools).
    /// Waits for a running compaction first. A failure makes the store refuse writes, as a
    /// background compaction failure does.
    public func compactLevel0() throws {
        lock.lock()
        defer { lock.unlock() }
        while isCompacting { backgroundChanged.wait() }
        if let backgroundError { throw backgroundError }
        guard !versions.current.levels[0].isEmpty else { return }
        do {
            // In a scope of its own, so the inputs are released (and queued for deletion) below.
            let compaction = CompactionPicker(options: options)
                .makeCompaction(versions.current, level: 0, inputs: versions.current.levels[0])
            try perform(compaction)
        } catch {
            refuseWrites(after: error, while: "compacting level 0")
            throw error
        }
        lock.unlock()
        deleteObsoleteTables()
        lock.lock()
    }

    /// Moves one file a level down by a manifest edit. REQUIRES: `lock` held.
    private func moveFile(_ compaction: Compaction) throws {
        let file = compaction.inputs[0]
        var edit = VersionEdit()
        edit.deletedFiles.append((compaction.level, file.number))
        edit.newFiles.append((compaction.outputLevel, .init(
            number: file.number, sizeBytes: file.sizeBytes, smallest: file.smallest, largest: file.largest)))
        versions.lastSequence = lastSequence
        try versions.logAndApply(edit)
        publishView()
        stats.trivialMoves.wrappingAdd(1, ordering: .relaxed)
    }

    /// Replaces the inputs by the outputs in the file set. REQUIRES: `lock` held.
    private func install(_ compaction: Compaction, outputs: [VersionEdit.NewFile]) throws {
        var edit = VersionEdit()
        for file in compaction.inputs { edit.deletedFiles.append((compaction.level, file.number)) }
        for file in compaction.nextLevelInputs { edit.deletedFiles.append((compaction.outputLevel, file.number)) }
        for file in outputs { edit.newFiles.append((compaction.outputLevel, file)) }
        versions.lastSequence = lastSequence
        try versions.logAndApply(edit)
        for file in compaction.allInputs { file.markObsolete(obsoleteFiles) }
        publishView()
        stats.compactions.wrappingAdd(1, ordering: .relaxed)
        stats.compactionBytesRead.wrappingAdd(Version.totalBytes(compaction.allInputs), ordering: .relaxed)
        stats.compactionBytesWritten.wrappingAdd(outputs.reduce(0) { $0 + $1.sizeBytes }, ordering: .relaxed)
    }

    /// Deletes the SSTables no version refers to any more, and returns after any deletion
    /// another thread has under way. Failures are harmless: the next open removes unreferenced
    /// tables.
    func deleteObsoleteTables() {
        obsoleteDeletion.withLock { _ in
            for number in obsoleteFiles.takeAll() {
                tableCache.evict(number)
                try? fileSystem.removeFile(Path.join(directory, FileName.table(number)))
            }
        }
    }

    /// Merges the compaction's inputs into new files of the output level. Runs without `lock`.
    ///
    /// For each user key (entries arrive newest first) it keeps every version newer than
    /// `smallestSnapshot` and the newest version at or below it, drops the older ones, and drops
    /// a deletion at or below it when no deeper level can hold the key (nothing left to hide).
    /// Output files are cut at about the target size, never between two versions of one key, so
    /// the files of a level keep disjoint user-key ranges.
    func runCompaction(_ compaction: Compaction, smallestSnapshot: SequenceNumber) throws -> [VersionEdit.NewFile] {
        var children: [ChildIterator] = []
        if compaction.level == 0 {
            for file in compaction.inputs {
                children.append(.table(SSTableCursor(try tableCache.table(file).makeIterator(fillsCache: false))))
            }
        } else {
            children.append(.level(LevelCursor(files: compaction.inputs, tableCache: tableCache, fillsCache: false)))
        }
        if !compaction.nextLevelInputs.isEmpty {
            children.append(.level(LevelCursor(files: compaction.nextLevelInputs, tableCache: tableCache, fillsCache: false)))
        }
        var merged = MergingIterator(children: children)
        var writer = CompactionOutputWriter(store: self)
        var deeper = DeeperLevels(version: captureView().version, below: compaction.outputLevel)
        var currentUserKey: [UInt8] = []
        var hasCurrentUserKey = false
        var lastSequenceForKey = SequenceNumber.max
        merged.seekToFirst()
        do {
            while merged.isValid {
                let key = merged.key
                guard let (sequence, kind) = InternalKey.decodeTrailer(key) else {
                    throw TernError(.corruption, "compaction input holds a malformed internal key",
                                    file: compaction.allInputs.map { FileName.table($0.number) }.joined(separator: ", "))
                }
                let userKey = InternalKey.userKey(key)
                let isNewKey = !hasCurrentUserKey || currentUserKey.withUnsafeBytes { compareBytes($0, userKey) != 0 }
                if isNewKey {
                    currentUserKey.removeAll(keepingCapacity: true)
                    currentUserKey.append(contentsOf: userKey)
                    hasCurrentUserKey = true
                    lastSequenceForKey = .max
                }
                var drop = false
                if lastSequenceForKey <= smallestSnapshot {
                    drop = true  // a newer version of this key is visible to every reader
                } else if kind == .deletion && sequence <= smallestSnapshot && !deeper.mayContain(userKey) {
                    drop = true  // nothing older below to hide, and no reader sees past it
                }
                lastSequenceForKey = sequence
                if !drop {
                    try writer.add(key, merged.value, startsNewUserKey: isNewKey)
                }
                merged.next()
            }
            if let error = merged.error { throw error }
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}

/// Answers "may a level below the output level hold this user key?" for keys arriving in
/// increasing order, with one forward-moving pointer per level.
struct DeeperLevels {
    private let levels: [[FileMetadata]]
    private var positions: [Int]

    init(version: Version, below outputLevel: Int) {
        levels = Array(version.levels[(outputLevel + 1)...])
        positions = Array(repeating: 0, count: levels.count)
    }

    mutating func mayContain(_ userKey: UnsafeRawBufferPointer) -> Bool {
        for level in levels.indices {
            let files = levels[level]
            while positions[level] < files.count {
                let file = files[positions[level]]
                let beyondFile = file.largestUserKey.withUnsafeBytes { compareBytes(userKey, $0) > 0 }
                if !beyondFile {
                    if file.smallestUserKey.withUnsafeBytes({ compareBytes(userKey, $0) >= 0 }) { return true }
                    break
                }
                positions[level] += 1
            }
        }
        return false
    }
}

/// Writes a compaction's output files, cutting them at the target size on user-key boundaries.
struct CompactionOutputWriter: ~Copyable {
    let store: Store
    private var builder: SSTableBuilder?
    private var file: (any WritableFile)?
    private var number = FileNumber(0)
    private var outputs: [VersionEdit.NewFile] = []
    private var written: [FileNumber] = []

    init(store: Store) {
        self.store = store
    }

    mutating func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, startsNewUserKey: Bool) throws {
        if startsNewUserKey && currentFileSizeBytes >= store.options.targetFileSizeBytes {
            try finishCurrent()
        }
        if builder == nil { try openNext() }
        try builder!.add(key, value)
    }

    /// The size of the file being written so far (0 when none is open).
    private var currentFileSizeBytes: Int {
        switch builder {
        case .some(let current): current.estimatedFileSizeBytes
        case .none: 0
        }
    }

    private mutating func openNext() throws {
        let store = self.store
        number = store.lock.withLock { store.versions.newFileNumber() }
        let name = FileName.table(number)
        let opened = try store.fileSystem.openWritable(Path.join(store.directory, name), truncate: true)
        written.append(number)
        file = opened
        builder = SSTableBuilder(file: opened, path: name, options: TableWriting.tableOptions(store.options))
    }

    private mutating func finishCurrent() throws {
        guard let finished = builder.take(), let opened = file else { return }
        // `file` stays set until the close, so `abandon()` closes it when finishing throws.
        let properties = try finished.finish()
        try opened.sync()
        file = nil
        try opened.close()
        guard let smallest = properties.smallestKey, let largest = properties.largestKey else { return }
        outputs.append(.init(number: number, sizeBytes: properties.fileSizeBytes, smallest: smallest, largest: largest))
    }

    /// Finishes the last file and makes the new names durable.
    mutating func finish() throws -> [VersionEdit.NewFile] {
        try finishCurrent()
        if !written.isEmpty { try store.fileSystem.syncDirectory(store.directory) }
        return outputs
    }

    /// Removes everything written (the compaction failed; the inputs stay in charge).
    mutating func abandon() {
        if let unfinished = builder.take() { unfinished.abandon() }
        try? file?.close()
        for number in written { try? store.fileSystem.removeFile(Path.join(store.directory, FileName.table(number))) }
    }
}
