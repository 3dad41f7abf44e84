import Logging

/// A writer waiting in the store's queue. Fields are guarded by the store's `lock`.
final class PendingWrite {
    let batch: WriteBatch
    let isSynced: Bool
    /// A place-holder that holds the queue without writing (`flush()`): no leader takes it into
    /// its group, so it reaches the head and leaves the queue itself.
    let isBarrier: Bool
    /// Created only if the writer has to wait for another leader (a lone writer never does).
    private var condition: Condition?
    var isDone = false
    var error: Error?
    /// Where the writer's group ends in the WAL (logical bytes): a synced writer returns once
    /// the WAL is durable up to here.
    var walEnd: UInt64 = 0
    /// The batch's first sequence number and commit stamp, once written.
    var commit = Commit(sequence: .zero, stamp: .zero)

    init(batch: WriteBatch, isSynced: Bool, isBarrier: Bool = false) {
        self.batch = batch
        self.isSynced = isSynced
        self.isBarrier = isBarrier
    }

    /// Parks the writer. REQUIRES: `lock` held.
    func wait(_ lock: ConditionLock) {
        if condition == nil { condition = Condition(lock) }
        condition!.wait()
    }

    /// REQUIRES: `lock` held.
    func wake() {
        condition?.signal()
    }
}

extension Store {
    /// Groups are capped so one leader does not make followers wait for a huge write.
    static let maxGroupBytes = 1 << 20

    /// Applies `batch` atomically with the requested durability.
    ///
    /// Group commit in two stages (Pebble's shape, LevelDB's leader):
    /// 1. *Write*: writers queue; the head (the leader) takes the batches queued behind it,
    ///    assigns consecutive sequence numbers, appends them to the WAL as one record, inserts
    ///    them into the memtable, publishes them and hands the queue to the next leader.
    /// 2. *Sync*: a `.synced` writer then waits until the WAL is durable up to its group's end.
    ///    One waiter at a time runs `fdatasync`, covering everything appended so far; while it
    ///    runs, later groups keep appending, so the next sync covers all of them. Syncs never
    ///    overlap, and an fsync failure is final (the store refuses writes).
    ///
    /// - Throws: `.invalidArgument` for oversized keys or values (nothing is written);
    ///   `.writesRefused` after an earlier durability failure; `.closed`; I/O errors.
    @discardableResult
    public func write(_ batch: WriteBatch, durability: Durability) throws -> Commit {
        try batch.validate()
        if batch.isEmpty { return Commit(sequence: readSequence, stamp: lastCommittedStamp) }
        guard batch.byteSize <= options.maxBatchBytes else {
            throw TernError(.invalidArgument,
                "write batch of \(batch.byteSize) bytes exceeds the limit of \(options.maxBatchBytes) (StoreOptions.maxBatchBytes)")
        }
        let writer = PendingWrite(batch: batch, isSynced: durability == .synced)
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        writers.append(writer)
        while !writer.isDone && writers.first !== writer { writer.wait(lock) }
        if !writer.isDone { lead(writer) }
        if let error = writer.error { throw error }
        if writer.isSynced {
            // `close()` waits for these too: a synced write in flight is not abandoned.
            syncWaiters += 1
            defer {
                syncWaiters -= 1
                if syncWaiters == 0 && isWaitingForWriters { backgroundChanged.broadcast() }
            }
            try awaitSync(through: writer.walEnd)
        }
        return writer.commit
    }

    /// Writes the group `leader` heads and settles every member. REQUIRES: `lock` held, `leader`
    /// at the head of the queue.
    private func lead(_ leader: PendingWrite) {
        var groupEnd = 1
        var outcome: Error?
        do {
            try makeRoomForWrite()
            var groupBytes = leader.batch.byteSize
            let limit = groupBytes <= 128 << 10 ? groupBytes + (128 << 10) : Store.maxGroupBytes
            while groupEnd < writers.count && !writers[groupEnd].isBarrier
                    && groupBytes + writers[groupEnd].batch.byteSize <= limit {
                groupBytes += writers[groupEnd].batch.byteSize
                groupEnd += 1
            }
            let members = Array(writers[0..<groupEnd])
            let first = lastSequence + 1
            let count = members.reduce(0) { $0 + $1.batch.count }
            // Stamps are taken under the lock, so stamp order is sequence order: one per batch,
            // consecutive within the group.
            let firstStamp = options.clock.reserve(members.count)
            var sequence = first
            for (index, member) in members.enumerated() {
                member.commit = Commit(sequence: sequence, stamp: firstStamp.advanced(by: UInt64(index)))
                sequence = sequence + UInt64(member.batch.count)
            }
            lastSequence = lastSequence + UInt64(count)
            let active = memtable

            // The leader works without the lock; followers stay parked, so the WAL and the
            // memtable have exactly one writer.
            lock.unlock()
            let result = Result { try appendAndInsert(members, into: active) }
            lock.lock()
            switch result {
            case .success(let bytes):
                walWrittenBytes += UInt64(bytes)
                let lastStamp = members[members.count - 1].commit.stamp
                versions.lastStamp = lastStamp
                committedStamp.store(lastStamp.rawValue, ordering: .releasing)
                visibleSequence.store(first.rawValue + UInt64(count) - 1, ordering: .releasing)
                stats.userBytesWritten.wrappingAdd(groupBytes, ordering: .relaxed)
            case .failure(let error):
                refuseWrites(after: error, while: "writing the WAL", walFailed: true)
                outcome = error
            }
        } catch {
            outcome = error
        }
        for index in 0..<groupEnd {
            let member = writers[index]
            member.isDone = true
            member.error = outcome
            member.walEnd = walWrittenBytes
            if index > 0 { member.wake() }
        }
        writers.removeFirst(groupEnd)
        wakeNextWriter()
    }

    /// Hands the queue to the next writer, or tells `close()` the queue drained. Waking the
    /// background threads after every write would cost two context switches per write.
    /// REQUIRES: `lock` held.
    func wakeNextWriter() {
        if let next = writers.first {
            next.wake()
        } else if isWaitingForWriters {
            backgroundChanged.broadcast()
        }
    }

    /// Appends the group to the WAL as one record (each batch with its header: sequence, count,
    /// stamp) and inserts it into `target`; returns the bytes the record took in the WAL.
    /// REQUIRES: called by the leader without `lock` (the WAL writer and the group buffer are the
    /// leader's alone).
    private func appendAndInsert(_ members: [PendingWrite], into target: Memtable) throws -> Int {
        groupRecord.removeAll(keepingCapacity: true)
        for member in members {
            groupRecord.appendFixed64(member.commit.sequence.rawValue)
            groupRecord.appendFixed32(UInt32(member.batch.count))
            groupRecord.appendFixed64(member.commit.stamp.rawValue)
            member.batch.representation.withUnsafeBytes {
                groupRecord.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[WriteBatch.headerSize...]))
            }
        }
        let written = try groupRecord.withUnsafeBytes { try wal!.add($0) }
        try wal!.flush()
        for member in members {
            var sequence = member.commit.sequence
            do {
                try member.batch.forEach { kind, key, value in
                    target.add(sequence: sequence, kind: kind, key: key, value: value)
                    sequence = sequence + 1
                }
            } catch {
                preconditionFailure("a validated batch failed to decode: \(error)")
            }
        }
        return written
    }

    /// Waits until the WAL is durable through `end` (logical bytes), running the `fdatasync`
    /// itself when no other thread is. REQUIRES: `lock` held.
    ///
    /// The caller's group is already applied and visible, so only a failure of the WAL itself
    /// may fail this wait: a failed flush or compaction stops *new* writes but does not stop this
    /// sync (reporting failure for an applied write would make a retried `ADD` apply twice).
    func awaitSync(through end: UInt64) throws {
        while walSyncedBytes < end {
            if let walError { throw walError }
            if isSyncing {
                syncFinished.wait()
                continue
            }
            guard let file = walFile else { throw TernError(.closed, "the store is closed") }
            isSyncing = true
            let target = walWrittenBytes
            // Groups are appended and published under the lock together, so every batch up to
            // the visible sequence lies within `target`.
            let targetSequence = readSequence
            lock.unlock()
            let result = Result { try file.sync() }
            lock.lock()
            isSyncing = false
            switch result {
            case .success:
                walSyncedBytes = max(walSyncedBytes, target)
                syncedSequence = max(syncedSequence, targetSequence)
                stats.walSyncs.wrappingAdd(1, ordering: .relaxed)
                metrics.walSyncs.increment()
            case .failure(let error):
                refuseWrites(after: error, while: "syncing the WAL", walFailed: true)
                syncFinished.broadcast()
                throw error
            }
            syncFinished.broadcast()
        }
    }

    /// Records the first durability failure; from then on every write throws `.writesRefused`.
    /// `walFailed`: the WAL itself failed (a write or a sync), so writes applied but not yet
    /// synced have an unknown fate and their synced writers get an error too.
    /// REQUIRES: `lock` held.
    func refuseWrites(after error: Error, while activity: String, walFailed: Bool = false) {
        if backgroundError == nil {
            backgroundError = TernError(
                .writesRefused,
                "the store refuses writes until reopened: \(activity) failed with \(error)")
            options.logger.error("\(activity) failed; the store refuses writes until reopened",
                                 metadata: ["directory": "\(directory)", "error": "\(error)"])
            metrics.backgroundErrors.increment()
        }
        if walFailed && walError == nil {
            walError = TernError(
                .writesRefused,
                "\(activity) failed with \(error): this write is applied but may not be durable; "
                    + "the store refuses writes until reopened")
        }
        backgroundChanged.broadcast()
        syncFinished.broadcast()
    }

    /// Ensures the active memtable has room, switching to a new one (and a new WAL) when it is
    /// full. Waits while the previous immutable memtable is still being flushed (a write stall).
    /// REQUIRES: `lock` held, caller is the write leader.
    func makeRoomForWrite(force: Bool = false) throws {
        var stallStart: ContinuousClock.Instant?
        defer {
            if let stallStart {
                stats.stallMicroseconds.wrappingAdd(microseconds(ContinuousClock.now - stallStart), ordering: .relaxed)
                recordStall(since: stallStart)
            }
        }
        var slowedDown = false
        while true {
            if let backgroundError { throw backgroundError }
            if isClosed { throw TernError(.closed, "the store is closed") }
            let level0Files = versions.current.levels[0].count
            if !force && !slowedDown && level0Files >= options.level0SlowdownTrigger {
                // Near the stop threshold: give compaction 1 ms per write instead of stalling
                // a few writes for seconds later.
                slowedDown = true
                let start = ContinuousClock.now
                lock.unlock()
                Platform.sleep(microseconds: 1000)
                lock.lock()
                stats.slowdownMicroseconds.wrappingAdd(microseconds(ContinuousClock.now - start), ordering: .relaxed)
                continue
            }
            if !force && memtable.memoryUsage < options.memtableBudgetBytes { return }
            if force && memtable.isEmpty { return }
            if immutable != nil || level0Files >= options.level0StopTrigger {
                if stallStart == nil { stallStart = .now }
                backgroundChanged.wait()
                continue
            }
            try switchMemtable()
            return
        }
    }

    /// Turns the active memtable immutable, behind a new WAL. REQUIRES: `lock` held, leader.
    private func switchMemtable() throws {
        // No fdatasync may be running on the WAL being retired.
        while isSyncing { syncFinished.wait() }
        let number = versions.newFileNumber()
        let path = Path.join(directory, FileName.wal(number))
        do {
            let file = try fileSystem.openWritable(path, truncate: true)
            try fileSystem.syncDirectory(directory)
            // The old WAL's unsynced tail must be durable before anything lands in the new one,
            // or a crash could keep later batches while losing earlier ones (a hole).
            if let old = wal.take() {
                var old = old
                if walSyncedBytes < walWrittenBytes {
                    try old.sync()
                    stats.walSyncs.wrappingAdd(1, ordering: .relaxed)
                    metrics.walSyncs.increment()
                }
                try old.close()
                walSyncedBytes = walWrittenBytes
                syncedSequence = lastSequence
                syncFinished.broadcast()
            }
            wal = .some(LogWriter(file: file))
            walFile = file
            walFileStartBytes = walWrittenBytes
        } catch {
            refuseWrites(after: error, while: "starting a new WAL", walFailed: true)
            throw error
        }
        versions.walStarts[number] = lastSequence + 1
        walNumber = number
        immutable = memtable
        memtable = Memtable.forStore(options)
        publishView()
        backgroundChanged.broadcast()
    }

    /// Makes every write acknowledged so far durable, as if the last one had been `.synced`
    /// (a no-op when nothing is unsynced).
    public func sync() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        if options.readOnly { throw TernError(.readOnly, "the store was opened read-only", file: directory) }
        try awaitSync(through: walWrittenBytes)
    }

    /// Flushes the active memtable to an SSTable and waits for it (tests, tools, checkpoints).
    public func flush() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        try holdingWriterQueue {
            try makeRoomForWrite(force: true)
            while immutable != nil && backgroundError == nil { backgroundChanged.wait() }
            if let backgroundError { throw backgroundError }
        }
    }

    /// Runs `body` at the head of the writer queue, as a barrier: no batch is half-inserted
    /// while it runs (so it may switch the memtable), and no leader takes the barrier into its
    /// group — it leaves the queue only here, from the head. REQUIRES: `lock` held.
    func holdingWriterQueue<T>(_ body: () throws -> T) rethrows -> T {
        let barrier = PendingWrite(batch: WriteBatch(), isSynced: false, isBarrier: true)
        writers.append(barrier)
        while writers.first !== barrier { barrier.wait(lock) }
        defer {
            precondition(writers.first === barrier, "a barrier left the head of the write queue")
            writers.removeFirst()
            wakeNextWriter()
        }
        return try body()
    }
}

func microseconds(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
}
