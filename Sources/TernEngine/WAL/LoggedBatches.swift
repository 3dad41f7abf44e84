/// A batch as it was committed: its first sequence number, its commit stamp and its operations.
/// What the change feed delivers and the archive keeps.
public struct CommittedBatch: Sendable, Equatable {
    /// The sequence number of the first operation; operation `i` has `sequence + i`.
    public let sequence: SequenceNumber
    /// When it committed (hybrid logical clock; strictly increasing within a store).
    public let stamp: HybridTimestamp
    /// The batch in the WAL's encoding (header and operations).
    let encoded: [UInt8]

    init(encoded: [UInt8]) {
        self.encoded = encoded
        let (rawSequence, stamp) = encoded.withUnsafeBytes { ($0.fixed64(at: 0), $0.fixed64(at: 12)) }
        self.sequence = SequenceNumber(rawSequence)
        self.stamp = HybridTimestamp(rawValue: stamp)
    }

    /// The number of operations.
    public var count: Int { Int(encoded.withUnsafeBytes { $0.fixed32(at: 8) }) }

    /// The sequence number of the last operation.
    public var lastSequence: SequenceNumber { SequenceNumber(sequence.rawValue + UInt64(count) - 1) }

    /// Bytes of the encoding (what the batch costs in a log).
    public var byteSize: Int { encoded.count }

    /// Calls `body` with each operation: kind, key, value (empty for deletes). The buffers are
    /// valid only during the call.
    public func forEachOperation(_ body: (ValueKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        // The encoding was validated when the batch was read or written: the unwraps hold.
        try encoded.withUnsafeBytes { raw in
            var reader = ByteReader(raw, position: WriteBatch.headerSize)
            for _ in 0..<count {
                let kind = ValueKind(rawValue: reader.readByte()!)!
                let key = reader.readLengthPrefixed()!
                let value = kind == .value ? reader.readLengthPrefixed()! : UnsafeRawBufferPointer(start: nil, count: 0)
                try body(kind, key, value)
            }
        }
    }

    /// The operations as a new batch, to apply elsewhere (a restore, a replica).
    public var writeBatch: WriteBatch {
        var batch = WriteBatch(representation: encoded)
        batch.sequence = .zero
        batch.stamp = .zero
        return batch
    }

    /// The batch in its encoding: sequence, count, stamp, operations (`docs/formats/wal.md`).
    public var bytes: [UInt8] { encoded }

    /// Decodes and validates a batch from `bytes` (as `bytes` gave them): the header, every
    /// operation, nothing after. Throws `.corruption` naming `file` and `offset`.
    public static func decode(_ bytes: [UInt8], file: String, offset: Int) throws -> CommittedBatch {
        var found: CommittedBatch?
        try LoggedRecord.forEachBatch(in: bytes, formatVersion: VersionEdit.formatVersion, after: .zero,
                                      afterStamp: .zero, file: file, offset: offset) { batch in
            guard found == nil else {
                throw TernError.corruption("more than one batch where one was expected", file: file, offset: offset)
            }
            found = batch
        }
        guard let found else { throw TernError.corruption("no batch", file: file, offset: offset) }
        return found
    }
}

/// The payload of a WAL record: the batches a group-commit leader wrote together.
///
///     record (format 2) := batch+                 batch := sequence:fixed64 count:fixed32 stamp:fixed64 operation{count}
///     record (format 1) := sequence:fixed64 count:fixed32 operation{count}     (no stamp: zero)
enum LoggedRecord {
    /// Calls `body` with each batch of `record`, validated: a header that fits, at least one
    /// operation, sequence numbers within 56 bits, each batch after `previous` (and within a
    /// record, right after the batch before it), stamps increasing after `afterStamp` (format
    /// 2), every operation well formed. Throws `.corruption` naming `file` and `offset`.
    static func forEachBatch(
        in record: [UInt8], formatVersion: UInt64, after previous: SequenceNumber, afterStamp: HybridTimestamp,
        file: String, offset: Int, _ body: (CommittedBatch) throws -> Void
    ) throws {
        let headerSize = formatVersion >= 2 ? WriteBatch.headerSize : 12
        var previous = previous
        var previousStamp = afterStamp
        var start = 0
        var isFirst = true
        while start < record.count || isFirst {
            isFirst = false
            let (end, rawSequence, count, stamp) = try record.withUnsafeBytes { raw -> (Int, UInt64, UInt64, UInt64) in
                guard raw.count - start >= headerSize else {
                    throw TernError.corruption("WAL record too short for a batch header", file: file, offset: offset)
                }
                let rawSequence = raw.fixed64(at: start)
                let count = UInt64(raw.fixed32(at: start + 8))
                let stamp = formatVersion >= 2 ? raw.fixed64(at: start + 12) : 0
                guard count > 0, rawSequence <= SequenceNumber.max.rawValue,
                      count - 1 <= SequenceNumber.max.rawValue - rawSequence else {
                    throw TernError.corruption(
                        "WAL batch header is invalid (sequence \(rawSequence), \(count) operations)", file: file, offset: offset)
                }
                var reader = ByteReader(raw, position: start + headerSize)
                try WriteBatch.forEachOperation(&reader, count: Int(count), file: file, offset: offset) { _, _, _ in }
                return (reader.position, rawSequence, count, stamp)
            }
            guard rawSequence > previous.rawValue, start == 0 || rawSequence == previous.rawValue + 1 else {
                throw TernError.corruption(
                    "WAL batch sequence \(rawSequence) does not follow \(previous)", file: file, offset: offset)
            }
            if formatVersion >= 2 {
                guard stamp > previousStamp.rawValue else {
                    throw TernError.corruption(
                        "WAL batch stamp \(HybridTimestamp(rawValue: stamp)) does not follow \(previousStamp)", file: file, offset: offset)
                }
                previousStamp = HybridTimestamp(rawValue: stamp)
            }
            let encoded: [UInt8]
            if formatVersion >= 2 {
                encoded = Array(record[start..<end])
            } else {
                encoded = Array(record[start..<(start + 12)]) + [UInt8](repeating: 0, count: 8) + record[(start + 12)..<end]
            }
            try body(CommittedBatch(encoded: encoded))
            previous = SequenceNumber(rawSequence + count - 1)
            start = end
            if formatVersion < 2 && start < record.count {
                throw TernError.corruption("WAL record holds bytes after its batch", file: file, offset: offset)
            }
        }
    }
}

/// Where a written batch landed: its first sequence number and its commit stamp.
public struct Commit: Sendable, Equatable {
    public let sequence: SequenceNumber
    public let stamp: HybridTimestamp
}
