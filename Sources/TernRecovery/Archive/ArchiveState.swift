import TernEngine

/// What an archive holds, as its manifest describes it: segments of committed batches,
/// checkpoints, gaps, and per-table recovery settings. A value: the archiver and the restorer
/// both replay `ARCHIVE` into one, and the pruning and restore plans are pure functions of it.
public struct ArchiveState: Sendable, Equatable {
    /// A segment file `segments/NNNNNNNN.seg`: committed batches in sequence order.
    public struct Segment: Sendable, Equatable {
        public var number: UInt64
        public var firstSequence: UInt64
        /// The last batch's last sequence (0 while an open segment holds none).
        public var lastSequence: UInt64
        public var firstStamp: HybridTimestamp
        public var lastStamp: HybridTimestamp
        /// Sealed: the file's size and checksum. Open: the bytes known synced.
        public var sizeBytes: Int
        public var crc32c: UInt32
        public var isSealed: Bool
    }

    /// A file of a checkpoint, with what it must read back as.
    public struct File: Sendable, Equatable {
        public var name: String
        public var sizeBytes: Int
        public var crc32c: UInt32
    }

    /// A checkpoint directory `checkpoints/NNNNNNNN`: a store holding every batch through
    /// `sequence` (stamp `stamp`) and none after.
    public struct Checkpoint: Sendable, Equatable {
        public var number: UInt64
        public var sequence: UInt64
        public var stamp: HybridTimestamp
        public var files: [File]
    }

    /// Batches the archive never received (it fell further behind than the store keeps its
    /// WALs): instants after `afterStamp` and before `resumeStamp` cannot be restored.
    public struct Gap: Sendable, Equatable {
        public var afterSequence: UInt64
        public var afterStamp: HybridTimestamp
        public var resumeSequence: UInt64
        public var resumeStamp: HybridTimestamp
    }

    /// A table's point-in-time-recovery switch (DynamoDB's per-table setting).
    public struct TableRecovery: Sendable, Equatable {
        public var enabled: Bool
        /// Since when (enabled) or when it was switched off.
        public var since: HybridTimestamp
    }

    public var formatVersion: UInt64 = ArchiveEdit.formatVersion
    public var lineage = ""
    public var segments: [UInt64: Segment] = [:]
    public var checkpoints: [UInt64: Checkpoint] = [:]
    public var gaps: [Gap] = []
    public var tables: [String: TableRecovery] = [:]

    public init() {}

    /// The largest number used by a segment or checkpoint.
    var largestNumber: UInt64 {
        max(segments.keys.max() ?? 0, checkpoints.keys.max() ?? 0)
    }

    /// The segment being appended to, if any.
    var openSegment: Segment? { segments.values.first { !$0.isSealed } }

    /// The last batch archived (segments), or nil.
    var lastArchived: (sequence: UInt64, stamp: HybridTimestamp)? {
        guard let last = segments.values.filter({ $0.lastSequence > 0 }).max(by: { $0.lastSequence < $1.lastSequence }) else {
            return nil
        }
        return (last.lastSequence, last.lastStamp)
    }

    mutating func apply(_ edit: ArchiveEdit, file: String, offset: Int) throws {
        for field in edit.fields {
            switch field {
            case .formatVersion(let value):
                guard value <= ArchiveEdit.formatVersion else {
                    throw TernError(.unsupportedFormat,
                        "the archive has format version \(value); this build reads up to \(ArchiveEdit.formatVersion)", file: file)
                }
                formatVersion = value
            case .lineage(let id):
                lineage = id
            case .segmentOpened(let number, let first, let firstStamp):
                segments[number] = Segment(number: number, firstSequence: first, lastSequence: 0, firstStamp: firstStamp,
                                           lastStamp: .zero, sizeBytes: 0, crc32c: 0, isSealed: false)
            case .segmentProgress(let number, let validBytes, let lastSequence, let lastStamp):
                guard var segment = segments[number], !segment.isSealed else {
                    throw TernError.corruption("progress of segment \(number), which is not open", file: file, offset: offset)
                }
                segment.sizeBytes = validBytes
                segment.lastSequence = lastSequence
                segment.lastStamp = lastStamp
                segments[number] = segment
            case .segmentSealed(let segment):
                segments[segment.number] = segment
            case .checkpointAdded(let checkpoint):
                checkpoints[checkpoint.number] = checkpoint
            case .removed(let kind, let number):
                switch kind {
                case .segment: segments[number] = nil
                case .checkpoint: checkpoints[number] = nil
                }
            case .gap(let gap):
                gaps.append(gap)
            case .tableRecovery(let table, let enabled, let since):
                tables[table] = TableRecovery(enabled: enabled, since: since)
            }
        }
    }

    /// One edit that recreates this state (the first record of a rewritten `ARCHIVE`).
    func snapshot() -> ArchiveEdit {
        var fields: [ArchiveEdit.Field] = [.formatVersion(ArchiveEdit.formatVersion), .lineage(lineage)]
        for checkpoint in checkpoints.values.sorted(by: { $0.number < $1.number }) { fields.append(.checkpointAdded(checkpoint)) }
        for segment in segments.values.sorted(by: { $0.number < $1.number }) {
            if segment.isSealed {
                fields.append(.segmentSealed(segment))
            } else {
                fields.append(.segmentOpened(number: segment.number, firstSequence: segment.firstSequence, firstStamp: segment.firstStamp))
                if segment.lastSequence > 0 {
                    fields.append(.segmentProgress(number: segment.number, validBytes: segment.sizeBytes,
                                                   lastSequence: segment.lastSequence, lastStamp: segment.lastStamp))
                }
            }
        }
        for gap in gaps { fields.append(.gap(gap)) }
        for (table, setting) in tables.sorted(by: { $0.key < $1.key }) {
            fields.append(.tableRecovery(table: table, enabled: setting.enabled, since: setting.since))
        }
        return ArchiveEdit(fields)
    }
}

// MARK: The restorable window

extension ArchiveState {
    /// The instants this archive can restore to: from the oldest checkpoint's stamp to the last
    /// batch archived (or the newest checkpoint, if later), less the gaps.
    public struct Window: Sendable, Equatable {
        public var earliest: HybridTimestamp
        public var latest: HybridTimestamp
        /// Spans inside [earliest, latest] that cannot be restored (open at both ends).
        public var gaps: [Gap]

        public func contains(_ instant: HybridTimestamp) -> Bool {
            instant >= earliest && instant <= latest
                && !gaps.contains { instant >= $0.afterStamp.advanced(by: 1) && instant < $0.resumeStamp }
        }
    }

    /// The restorable window, or nil while the archive holds no checkpoint.
    public var window: Window? {
        guard let oldest = checkpoints.values.min(by: { $0.sequence < $1.sequence }) else { return nil }
        let newestCheckpoint = checkpoints.values.map(\.stamp).max()!
        let latest = max(lastArchived?.stamp ?? .zero, newestCheckpoint)
        return Window(earliest: oldest.stamp, latest: latest, gaps: gaps.filter { $0.resumeStamp > oldest.stamp })
    }

    /// How to rebuild the store as of `instant`: the newest checkpoint at or before it, then the
    /// segments holding the batches after that checkpoint up to the instant.
    struct RestorePlan: Equatable {
        var checkpoint: Checkpoint
        var segments: [Segment]
    }

    /// The plan for `instant`. Throws `invalidArgument` naming the window when it is outside it
    /// or falls in a gap.
    func restorePlan(for instant: HybridTimestamp) throws -> RestorePlan {
        guard let window else {
            throw TernError(.invalidArgument, "the archive holds no checkpoint yet: nothing can be restored")
        }
        guard window.contains(instant) else {
            // A restore "to a microsecond" asks for its last stamp: show the microsecond.
            let asked = instant.logical == HybridTimestamp.logicalMask
                ? UTCTime.format(microseconds: instant.physicalMicroseconds) : "\(instant)"
            var text = "\(asked) is outside the restorable window \(window.earliest) – \(window.latest)"
            for gap in window.gaps where instant > gap.afterStamp && instant < gap.resumeStamp {
                text = "\(asked) falls in a gap of the archive (no batches between \(gap.afterStamp) and \(gap.resumeStamp))"
            }
            throw TernError(.invalidArgument, text)
        }
        guard let checkpoint = checkpoints.values.filter({ $0.stamp <= instant }).max(by: { $0.sequence < $1.sequence }) else {
            throw TernError(.invalidArgument, "no checkpoint at or before \(instant)")
        }
        // From the checkpoint on, up to the first batch stamped after the instant (the restorer
        // stops there).
        let needed = segments.values
            .filter { $0.lastSequence > checkpoint.sequence && $0.firstStamp <= instant }
            .sorted { $0.firstSequence < $1.firstSequence }
        return RestorePlan(checkpoint: checkpoint, segments: needed)
    }
}

// MARK: Pruning

extension ArchiveState {
    /// What pruning removes so the archive keeps exactly what restoring any instant from
    /// `keepFrom` on needs: the newest checkpoint at or before `keepFrom` is the oldest kept
    /// (every later instant restores from it or a newer one), with every segment after it.
    /// Nothing is removed when no checkpoint is at or before `keepFrom` (the window is still
    /// younger than the retention).
    func prunePlan(keepFrom: HybridTimestamp) -> (checkpoints: [UInt64], segments: [UInt64]) {
        guard let base = checkpoints.values.filter({ $0.stamp <= keepFrom }).max(by: { $0.sequence < $1.sequence }) else {
            return ([], [])
        }
        let oldCheckpoints = checkpoints.values.filter { $0.sequence < base.sequence }.map(\.number)
        let oldSegments = segments.values.filter { $0.isSealed && $0.lastSequence <= base.sequence }.map(\.number)
        return (oldCheckpoints.sorted(), oldSegments.sorted())
    }
}
