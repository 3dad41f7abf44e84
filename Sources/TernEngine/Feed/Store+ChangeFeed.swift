/// The change feed: committed batches in order (sequence, stamp, operations), read from the WAL
/// files the store keeps for registered consumers.
///
/// ```swift
/// try store.registerChangeConsumer("archive")                 // durable; pins WAL files
/// var reader = try store.makeChangeReader(after: store.changeConsumers["archive"]!)
/// while true {
///     let batches = try reader.next(maxBytes: 1 << 20)        // durable batches only
///     if batches.isEmpty { break }
///     ship(batches)
///     try store.acknowledgeChanges(consumer: "archive", through: batches.last!.lastSequence)
/// }
/// ```
///
/// Contracts:
/// - Only durable batches are delivered (their WAL bytes synced), so no consumer sees a batch a
///   crash could take back. Call `sync()` first to deliver buffered writes at once.
/// - Batches come in sequence order, each whole, with no gap: a reader that cannot continue
///   where it is (the files it needs were removed) throws `cursorTooOld`, never skips.
/// - WAL files stay until every registered consumer has acknowledged past them, within
///   `StoreOptions.changeFeedRetentionBytes`; acknowledgements are durable (manifest edits).
extension Store {
    /// Registers `consumer` (idempotent: an existing consumer keeps its cursor). A new consumer
    /// starts after `acknowledgedThrough`, by default after the last durable batch (now).
    /// Durable: it survives a restart, and from now on WAL files it needs are kept.
    public func registerChangeConsumer(_ consumer: String, acknowledgedThrough: SequenceNumber? = nil) throws {
        try updateConsumers { versions, edit in
            guard versions.feedConsumers[consumer] == nil else { return false }
            edit.feedConsumers.append((consumer, acknowledgedThrough ?? syncedSequence))
            return true
        }
    }

    /// Forgets `consumer`; the WAL files only it needed are removed.
    public func unregisterChangeConsumer(_ consumer: String) throws {
        try updateConsumers { versions, edit in
            guard versions.feedConsumers[consumer] != nil else { return false }
            edit.removedFeedConsumers.append(consumer)
            return true
        }
    }

    /// Records (durably) that `consumer` has what it needs of every batch through `sequence`;
    /// WAL files nobody needs any more are removed. A cursor never moves back.
    public func acknowledgeChanges(consumer: String, through sequence: SequenceNumber) throws {
        try updateConsumers { versions, edit in
            guard let current = versions.feedConsumers[consumer] else {
                throw TernError(.invalidArgument, "no change consumer named \(consumer) is registered")
            }
            guard sequence > current else { return false }
            edit.feedConsumers.append((consumer, sequence))
            return true
        }
    }

    /// The registered consumers and the sequence number each has acknowledged through.
    public var changeConsumers: [String: SequenceNumber] {
        lock.withLock { versions.feedConsumers }
    }

    /// The last sequence number whose batch is durable: the feed's end.
    public var durableSequence: SequenceNumber {
        lock.withLock { syncedSequence }
    }

    /// A stamp at or after which every later commit will be stamped, if every batch committed so
    /// far is durable and the last one is `cursor`; nil otherwise.
    ///
    /// A consumer that has read the feed through `cursor` and gets a horizon `h` knows it has seen
    /// every batch this store will ever commit with a stamp at or before `h` (stamps are taken
    /// under the store's lock in sequence order, and `h` is taken under that lock too). Replication
    /// tells peers this horizon while its feed is idle, so they know how far this region's history
    /// is complete.
    public func feedHorizon(through cursor: SequenceNumber) -> HybridTimestamp? {
        lock.withLock { syncedSequence == lastSequence && lastSequence == cursor ? options.clock.now() : nil }
    }

    /// A reader of the batches after `cursor`. Throws `cursorTooOld` when the store no longer
    /// keeps the batch after it.
    public func makeChangeReader(after cursor: SequenceNumber) throws -> ChangeReader {
        var reader = ChangeReader(store: self, cursor: cursor)
        try reader.locate()
        return reader
    }

    private func updateConsumers(_ change: (VersionSet, inout VersionEdit) throws -> Bool) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        if let backgroundError { throw backgroundError }
        var edit = VersionEdit()
        guard try change(versions, &edit) else { return }
        versions.lastSequence = lastSequence
        do {
            try versions.logAndApply(edit)
        } catch {
            refuseWrites(after: error, while: "writing the manifest")
            throw error
        }
        deleteObsoleteWALs()
    }

    /// The feed's view of the WAL files, under `lock`: each file with its first sequence, and
    /// the durable end of the live one.
    func changeFeedFiles() -> (files: [(number: FileNumber, firstSequence: SequenceNumber)], live: FileNumber, liveDurableBytes: Int, durable: SequenceNumber) {
        lock.withLock {
            let files = versions.walStarts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return (files, walNumber, Int(walSyncedBytes - walFileStartBytes), syncedSequence)
        }
    }
}

/// Reads committed batches from a store's WAL files, in order, from a cursor on; remembers where
/// it is, so consecutive reads cost what they return. Not thread-safe: one consumer's cursor.
public struct ChangeReader {
    let store: Store
    /// The last sequence number returned (or the starting cursor).
    public private(set) var cursor: SequenceNumber
    private var fileNumber = FileNumber(0)
    private var fileOffset = 0
    private var lastStamp = HybridTimestamp.zero

    init(store: Store, cursor: SequenceNumber) {
        self.store = store
        self.cursor = cursor
    }

    /// Finds the file holding the batch after `cursor`.
    mutating func locate() throws {
        let view = store.changeFeedFiles()
        guard cursor < view.durable else {
            fileNumber = view.live
            fileOffset = -1  // at the end for now; locate again when more arrives
            return
        }
        guard let file = view.files.last(where: { $0.firstSequence.rawValue <= cursor.rawValue + 1 }),
              view.files.first.map({ $0.firstSequence.rawValue <= cursor.rawValue + 1 }) == true
        else {
            let oldest = view.files.first.map { "\($0.firstSequence)" } ?? "none"
            throw TernError(.cursorTooOld,
                "the change feed no longer holds the batch after sequence \(cursor) (the oldest kept starts at \(oldest)); the consumer fell behind the store's retention")
        }
        fileNumber = file.number
        fileOffset = 0
    }

    /// Finds where to read on when the file the reader is at was removed under it. Retention
    /// removes a retired file as soon as no consumer needs a batch in it, which for a file holding
    /// none (the empty WAL a recovery leaves when the store crashes again before writing) is as
    /// soon as the batches before it are acknowledged, while a reader that has read those may
    /// already wait at it. That is no gap: read on in the file holding the batch after the
    /// cursor. Only when the feed no longer holds that batch is history lost (`cursorTooOld`).
    private mutating func relocate(afterRemovalOf name: String) throws {
        let removed = fileNumber
        do {
            try locate()
        } catch let error as TernError where error.code == .cursorTooOld {
            throw TernError(.cursorTooOld, "the change feed's file \(name) was removed (retention) before the consumer read it",
                            file: name)
        }
        guard fileNumber != removed else {
            throw TernError(.cursorTooOld, "the change feed's file \(name) is listed but missing", file: name)
        }
    }

    /// The next durable batches after the cursor, about `maxBytes` of them (at least one when
    /// any is available); empty when the reader has caught up.
    public mutating func next(maxBytes: Int = 1 << 20) throws -> [CommittedBatch] {
        if fileOffset < 0 { try locate() }
        var batches: [CommittedBatch] = []
        var bytes = 0
        while bytes < maxBytes, fileOffset >= 0 {
            let view = store.changeFeedFiles()
            guard cursor < view.durable else { break }
            let isLive = fileNumber == view.live
            let name = FileName.wal(fileNumber)
            let path = Path.join(store.directory, name)
            let content: [UInt8]
            do {
                let file = try store.fileSystem.openReadable(path)
                defer { file.close() }
                let end = isLive ? min(view.liveDurableBytes, file.size) : file.size
                content = end > fileOffset ? try file.readExactly(at: fileOffset, count: end - fileOffset, path: name) : []
            } catch let error as TernError where error.code == .notFound {
                try relocate(afterRemovalOf: name)
                continue
            }
            var reader = LogReader(bytes: content, path: name, tailMayBeTorn: false, baseOffset: fileOffset)
            var consumed = 0
            // Recovery starts a new WAL after the manifest's last sequence, which may count
            // batches a crash took back (buffered, never synced, numbered before a manifest
            // edit): those numbers are never used, so the file's first batch may skip them.
            let fileFirst = view.files.first { $0.number == fileNumber }?.firstSequence
            while bytes < maxBytes, let record = try reader.next() {
                let offset = fileOffset + reader.endOfLastRecord - record.count
                try LoggedRecord.forEachBatch(
                    in: record, formatVersion: VersionEdit.formatVersion, after: .zero, afterStamp: .zero,
                    file: name, offset: offset
                ) { batch in
                    guard batch.sequence > cursor else { return }
                    guard batch.sequence.rawValue == cursor.rawValue + 1 || (batch.sequence == fileFirst && cursor < batch.sequence) else {
                        throw TernError.corruption("the change feed skips from \(cursor) to \(batch.sequence)", file: name, offset: offset)
                    }
                    batches.append(batch)
                    bytes += batch.byteSize
                    cursor = batch.lastSequence
                }
                consumed = reader.endOfLastRecord
            }
            fileOffset += consumed
            // A retired file read to its end: move on now, since acknowledging its last batch may
            // remove it before the next call.
            if !isLive && consumed == content.count {
                guard let nextFile = view.files.first(where: { $0.number > fileNumber }) else { break }
                fileNumber = nextFile.number
                fileOffset = 0
                continue
            }
            if isLive && consumed == content.count && bytes < maxBytes {
                // Everything durable has been read: sequences up to the durable end that no
                // batch holds were taken back by a crash (see above).
                cursor = max(cursor, view.durable)
            }
            if bytes >= maxBytes || cursor >= view.durable || isLive { break }
        }
        return batches
    }
}
