import Glibc

/// A writer waiting in the store's queue. Fields are guarded by the store's `lock`.
final class PendingWrite {
    let batch: WriteBatch
    let isSynced: Bool
    let condition: Condition
    var isDone = false
    var error: Error?

    init(batch: WriteBatch, isSynced: Bool, lock: ConditionLock) {
        self.batch = batch
        self.isSynced = isSynced
        self.condition = Condition(lock)
    }
}

extension Store {
    /// Groups are capped so one leader does not make followers wait for a huge write.
    static let maxGroupBytes = 1 << 20

    /// Applies `batch` atomically with the requested durability.
    ///
    /// Group commit: writers queue; the writer at the head (the leader) takes the queued batches
    /// behind it, assigns them consecutive sequence numbers, writes them as one WAL record, syncs
    /// once if any of them asked for `.synced`, inserts them into the memtable and wakes the
    /// others. A buffered leader does not take synced followers (they would wait for a sync the
    /// leader did not plan), which keeps every synced write's latency bounded by one sync.
    ///
    /// - Throws: `.invalidArgument` for oversized keys or values (nothing is written);
    ///   `.writesRefused` after an earlier durability failure; `.closed`; I/O errors.
    public func write(_ batch: WriteBatch, durability: Durability) throws {
        try batch.validate()
        if batch.isEmpty { return }
        let writer = PendingWrite(batch: batch, isSynced: durability == .synced, lock: lock)
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        writers.append(writer)
        while !writer.isDone && writers.first !== writer { writer.condition.wait() }
        if writer.isDone {
            if let error = writer.error { throw error }
            return
        }
        // This writer leads a group.
        var groupEnd = 1
        var outcome: Error?
        do {
            try makeRoomForWrite()
            var group = writer.batch
            var needsSync = writer.isSynced
            var groupBytes = group.byteSize
            let limit = groupBytes <= 128 << 10 ? groupBytes + (128 << 10) : Store.maxGroupBytes
            while groupEnd < writers.count {
                let follower = writers[groupEnd]
                if follower.isSynced && !writer.isSynced { break }
                if groupBytes + follower.batch.byteSize > limit { break }
                group.append(contentsOf: follower.batch)
                groupBytes += follower.batch.byteSize
                needsSync = needsSync || follower.isSynced
                groupEnd += 1
            }
            group.sequence = lastSequence + 1
            let count = UInt64(group.count)
            lastSequence = lastSequence + count
            let active = memtable

            // The leader works without the lock; followers stay parked, so the WAL and the
            // memtable have exactly one writer.
            lock.unlock()
            outcome = logAndInsert(group, into: active, sync: needsSync)
            lock.lock()
            if outcome == nil {
                visibleSequence.store(group.sequence.rawValue + count - 1, ordering: .releasing)
                stats.userBytesWritten.wrappingAdd(group.byteSize, ordering: .relaxed)
            }
        } catch {
            outcome = error
        }
        for index in 0..<groupEnd {
            let member = writers[index]
            member.isDone = true
            member.error = outcome
            if index > 0 { member.condition.signal() }
        }
        writers.removeFirst(groupEnd)
        wakeNextWriter()
        if let outcome { throw outcome }
    }

    /// Hands the queue to the next writer, or tells `close()` the queue drained. Waking the
    /// background threads after every write would cost two context switches per write.
    /// REQUIRES: `lock` held.
    private func wakeNextWriter() {
        if let next = writers.first {
            next.condition.signal()
        } else if isWaitingForWriters {
            backgroundChanged.broadcast()
        }
    }

    /// Writes `group` to the WAL (syncing when asked) and then into `target`.
    /// REQUIRES: called by the leader without `lock`; returns the error instead of throwing so the
    /// leader can report it to the whole group. A WAL failure makes the store refuse writes.
    private func logAndInsert(_ group: WriteBatch, into target: Memtable, sync: Bool) -> Error? {
        do {
            try group.representation.withUnsafeBytes { try wal!.add($0) }
            try wal!.flush()
            if sync {
                try wal!.sync()
                stats.walSyncs.wrappingAdd(1, ordering: .relaxed)
            }
        } catch {
            lock.withLock { refuseWrites(after: error, while: "writing the WAL") }
            return error
        }
        if !sync { walHasUnsyncedData = true } else { walHasUnsyncedData = false }
        var sequence = group.sequence
        do {
            try group.forEach { kind, key, value in
                target.add(sequence: sequence, kind: kind, key: key, value: value)
                sequence = sequence + 1
            }
        } catch {
            preconditionFailure("a validated batch failed to decode: \(error)")
        }
        return nil
    }

    /// Records the first durability failure; from then on every write throws `.writesRefused`.
    /// REQUIRES: `lock` held.
    func refuseWrites(after error: Error, while activity: String) {
        if backgroundError == nil {
            backgroundError = TernError(
                .writesRefused,
                "the store refuses writes until reopened: \(activity) failed with \(error)")
        }
        backgroundChanged.broadcast()
    }

    /// Ensures the active memtable has room, switching to a new one (and a new WAL) when it is
    /// full. Waits while the previous immutable memtable is still being flushed (a write stall).
    /// REQUIRES: `lock` held, caller is the write leader.
    func makeRoomForWrite(force: Bool = false) throws {
        var stallStart: ContinuousClock.Instant?
        defer {
            if let stallStart {
                stats.stallMicroseconds.wrappingAdd(microseconds(ContinuousClock.now - stallStart), ordering: .relaxed)
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
                usleep(1000)
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
        let number = versions.newFileNumber()
        let path = Path.join(directory, FileName.wal(number))
        do {
            let file = try fileSystem.openWritable(path, truncate: true)
            try fileSystem.syncDirectory(directory)
            // The old WAL's unsynced tail must be durable before anything lands in the new one,
            // or a crash could keep later batches while losing earlier ones (a hole).
            if let old = wal.take() {
                var old = old
                if walHasUnsyncedData { try old.sync() }
                try old.close()
            }
            wal = .some(LogWriter(file: file))
            walHasUnsyncedData = false
        } catch {
            refuseWrites(after: error, while: "starting a new WAL")
            throw error
        }
        walNumber = number
        immutable = memtable
        memtable = Memtable()
        publishView()
        backgroundChanged.broadcast()
    }

    /// Makes every write acknowledged so far durable, as if the last one had been `.synced`
    /// (a no-op when nothing is unsynced). Queues behind concurrent writers like a write does.
    public func sync() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw TernError(.closed, "the store is closed") }
        let writer = PendingWrite(batch: WriteBatch(), isSynced: true, lock: lock)
        writers.append(writer)
        while writers.first !== writer { writer.condition.wait() }
        defer {
            writers.removeFirst()
            wakeNextWriter()
        }
        if let backgroundError { throw backgroundError }
        guard walHasUnsyncedData else { return }
        // The leader's position: no other writer touches the WAL until this one leaves the queue.
        do {
            try wal!.sync()
            stats.walSyncs.wrappingAdd(1, ordering: .relaxed)
            walHasUnsyncedData = false
        } catch {
            refuseWrites(after: error, while: "syncing the WAL")
            throw error
        }
    }

    /// Flushes the active memtable to an SSTable and waits for it (tests, tools, checkpoints).
    public func flush() throws {
        lock.lock()
        defer { lock.unlock() }
        // Queue as a writer so no batch is half-inserted while the memtable switches.
        let writer = PendingWrite(batch: WriteBatch(), isSynced: false, lock: lock)
        writers.append(writer)
        while writers.first !== writer { writer.condition.wait() }
        defer {
            writers.removeFirst()
            wakeNextWriter()
        }
        try makeRoomForWrite(force: true)
        while immutable != nil && backgroundError == nil { backgroundChanged.wait() }
        if let backgroundError { throw backgroundError }
    }
}

func microseconds(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
}
