import Logging
import TernEngine

extension ContinuousArchive {
    /// One archive pass; see the type's documentation. A failure leaves the work marked for
    /// repair: the next pass cuts the open segment back to what `ARCHIVE` records, rewrites
    /// `ARCHIVE`, and reads the feed again from the last batch archived. REQUIRES: `work` locked.
    func pass(_ work: inout Work) throws {
        do {
            try runPassSteps(&work)
        } catch {
            work.needsRepair = true
            throw error
        }
    }

    private func runPassSteps(_ work: inout Work) throws {
        try repairIfNeeded(&work)
        try store.sync()
        try shipNewBatches(&work)
        let now = self.now()
        // Saturating: the wall clock may step back.
        func elapsed(since time: UInt64) -> UInt64 { now > time ? now - time : 0 }
        if elapsed(since: work.lastCheckpointMicroseconds) >= microseconds(options.checkpointInterval) {
            try takeCheckpoint(&work)
        }
        if elapsed(since: work.lastPruneMicroseconds) >= min(microseconds(options.checkpointInterval), 60_000_000) {
            try prune(&work, now: now)
        }
    }

    /// Reads the durable batches the archive lacks and appends them to the open segment; then
    /// syncs, records and acknowledges them.
    private func shipNewBatches(_ work: inout Work) throws {
        let archived = work.state.lastArchived?.sequence ?? 0
        if work.reader == nil {
            let acknowledged = store.changeConsumers[options.consumerName] ?? .zero
            do {
                work.reader = try store.makeChangeReader(after: SequenceNumber(max(acknowledged.rawValue, archived)))
            } catch let error as TernError where error.code == .cursorTooOld {
                try recordGap(&work)
                return
            }
        }
        var last: CommittedBatch?
        var pendingStamps: [UInt64] = []
        while true {
            let batches: [CommittedBatch]
            do {
                batches = try work.reader!.next(maxBytes: 4 << 20)
            } catch let error as TernError where error.code == .cursorTooOld {
                if last != nil { try recordProgress(&work, through: last!) }
                try recordGap(&work)
                return
            }
            if batches.isEmpty { break }
            for batch in batches where batch.lastSequence.rawValue > (last?.lastSequence.rawValue ?? archived) {
                try append(batch, to: &work)
                last = batch
                pendingStamps.append(batch.stamp.physicalMicroseconds)
            }
        }
        guard let last else { return }
        try recordProgress(&work, through: last)
        let now = self.now()
        options.lagObserver?(pendingStamps.map { now - min(now, $0) })
        let lags = pendingStamps.suffix(4096).map { now - min(now, $0) }
        statusBox.withLock { status in
            status.recentLagMicroseconds.append(contentsOf: lags)
            if status.recentLagMicroseconds.count > 4096 { status.recentLagMicroseconds.removeFirst(status.recentLagMicroseconds.count - 4096) }
        }
    }

    /// Appends one batch to the open segment (opening one first, sealing it when full).
    private func append(_ batch: CommittedBatch, to work: inout Work) throws {
        if work.segment == nil {
            let number = work.nextNumber
            work.nextNumber += 1
            let file = try fileSystem.openWritable(Path.join(directory, ArchiveLayout.segmentName(number)), truncate: true)
            try fileSystem.syncDirectory(Path.join(directory, ArchiveLayout.segments))
            work.segment = LogWriter(file: file)
            let edit = ArchiveEdit([.segmentOpened(number: number, firstSequence: batch.sequence.rawValue, firstStamp: batch.stamp)])
            try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
            try work.manifest.append(edit, state: work.state)
        }
        try work.segment!.add(batch.bytes)
        let full: Bool
        switch work.segment {
        case .some(let writer): full = writer.writtenBytes >= options.segmentBytes
        case .none: full = false
        }
        if full {
            try recordProgress(&work, through: batch)
            try sealOpenSegment(&work)
        }
    }

    /// Syncs the open segment, records how far it is valid, and acknowledges the feed.
    private func recordProgress(_ work: inout Work, through batch: CommittedBatch) throws {
        guard let open = work.state.openSegment else { return }
        let validBytes: Int
        switch work.segment {
        case .some(let writer): validBytes = writer.writtenBytes
        case .none: return
        }
        try work.segment!.sync()
        let edit = ArchiveEdit([.segmentProgress(
            number: open.number, validBytes: validBytes, lastSequence: batch.lastSequence.rawValue, lastStamp: batch.stamp)])
        try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
        try work.manifest.append(edit, state: work.state)
        try store.acknowledgeChanges(consumer: options.consumerName, through: batch.lastSequence)
    }

    /// Seals the open segment: its size and checksum go into `ARCHIVE`.
    func sealOpenSegment(_ work: inout Work) throws {
        guard var open = work.state.openSegment else { return }
        if let writer = work.segment.take() { try writer.close() }
        let name = ArchiveLayout.segmentName(open.number)
        let path = Path.join(directory, name)
        if open.lastSequence == 0 {
            // Nothing recorded in it: drop it.
            let edit = ArchiveEdit([.removed(kind: .segment, number: open.number)])
            try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
            try work.manifest.append(edit, state: work.state)
            try? fileSystem.removeFile(path)
            return
        }
        try fileSystem.truncateFile(path, to: open.sizeBytes)
        let (size, crc) = try fileSystem.checksum(of: path, name: name)
        open.sizeBytes = size
        open.crc32c = crc
        open.isSealed = true
        let edit = ArchiveEdit([.segmentSealed(open)])
        try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
        try work.manifest.append(edit, state: work.state)
    }

    /// After a failed pass (or at open): cut the open segment back to its recorded length and
    /// rewrite `ARCHIVE`, so nothing half-written is ever followed by new data.
    func repairIfNeeded(_ work: inout Work) throws {
        guard work.needsRepair else { return }
        if let writer = work.segment.take() { try? writer.close() }
        work.reader = nil
        try work.manifest.rewrite(work.state)
        if let open = work.state.openSegment {
            let path = Path.join(directory, ArchiveLayout.segmentName(open.number))
            if !fileSystem.exists(path) {
                let file = try fileSystem.openWritable(path, truncate: true)
                try file.close()
            }
            try fileSystem.truncateFile(path, to: open.sizeBytes)
            work.segment = LogWriter(file: try fileSystem.openWritable(path, truncate: false), existingSize: open.sizeBytes)
        }
        work.needsRepair = false
    }

    /// Takes a checkpoint into `checkpoints/N`, checksums its files and records it.
    func takeCheckpoint(_ work: inout Work) throws {
        let number = work.nextNumber
        work.nextNumber += 1
        let name = ArchiveLayout.checkpointName(number)
        let path = Path.join(directory, name)
        let checkpoint = try store.checkpoint(into: path)
        var files: [ArchiveState.File] = []
        for file in checkpoint.files {
            let (size, crc) = try fileSystem.checksum(of: Path.join(path, file.name), name: name + "/" + file.name)
            files.append(ArchiveState.File(name: file.name, sizeBytes: size, crc32c: crc))
        }
        let edit = ArchiveEdit([.checkpointAdded(ArchiveState.Checkpoint(
            number: number, sequence: checkpoint.sequence.rawValue, stamp: checkpoint.stamp, files: files))])
        try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
        try work.manifest.append(edit, state: work.state)
        work.lastCheckpointMicroseconds = now()
    }

    /// The store no longer holds batches the archive lacks: seal what is there, take a new
    /// checkpoint, record the gap between, and continue after the checkpoint.
    private func recordGap(_ work: inout Work) throws {
        try sealOpenSegment(&work)
        let before = work.state.lastArchived ?? work.state.checkpoints.values.max(by: { $0.sequence < $1.sequence }).map { ($0.sequence, $0.stamp) }
        try takeCheckpoint(&work)
        let checkpoint = work.state.checkpoints.values.max { $0.sequence < $1.sequence }!
        if let before, before.sequence < checkpoint.sequence {
            let gap = ArchiveState.Gap(afterSequence: before.sequence, afterStamp: before.stamp,
                                       resumeSequence: checkpoint.sequence, resumeStamp: checkpoint.stamp)
            let edit = ArchiveEdit([.gap(gap)])
            try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
            try work.manifest.append(edit, state: work.state)
            options.logger.error("the archive has a gap: the store dropped WAL files before they were archived",
                                 metadata: ["archive": "\(directory)", "after": "\(gap.afterStamp)", "resumes": "\(gap.resumeStamp)"])
        }
        try store.acknowledgeChanges(consumer: options.consumerName, through: SequenceNumber(checkpoint.sequence))
        work.reader = try store.makeChangeReader(after: SequenceNumber(checkpoint.sequence))
    }

    /// Removes what no instant of the retention window needs (`ArchiveState.prunePlan`): the
    /// manifest records each removal before the file goes, so it never names a missing file.
    private func prune(_ work: inout Work, now: UInt64) throws {
        work.lastPruneMicroseconds = now
        let retention = UInt64(microseconds(options.retention))
        guard now > retention else { return }
        let keepFrom = HybridTimestamp(physicalMicroseconds: now - retention)
        let plan = work.state.prunePlan(keepFrom: keepFrom)
        for number in plan.segments {
            let edit = ArchiveEdit([.removed(kind: .segment, number: number)])
            try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
            try work.manifest.append(edit, state: work.state)
            try? fileSystem.removeFile(Path.join(directory, ArchiveLayout.segmentName(number)))
        }
        for number in plan.checkpoints {
            let files = work.state.checkpoints[number]?.files ?? []
            let edit = ArchiveEdit([.removed(kind: .checkpoint, number: number)])
            try work.state.apply(edit, file: ArchiveLayout.manifest, offset: 0)
            try work.manifest.append(edit, state: work.state)
            let folder = Path.join(directory, ArchiveLayout.checkpointName(number))
            for file in files { try? fileSystem.removeFile(Path.join(folder, file.name)) }
            try? fileSystem.removeDirectory(folder)
        }
    }
}

/// A duration in whole microseconds.
func microseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
}
