/// Reads the records of a log file written by `LogWriter`.
///
/// Recovery rules (see `docs/formats/wal.md`, "Reading and recovery"):
/// - The only damage recovered silently is a **torn tail**: the last record of the newest log
///   (`tailMayBeTorn`) is incomplete — the file ends inside it, or the rest of it is zeroed (lost
///   pages) — and no intact fragment that starts a record lies anywhere after the damage.
///   Reading ends there; `tornTail` says where and how many bytes were dropped.
/// - Every other damage is corruption: `next()` throws `.corruption` naming the file and the
///   offset of the damaged fragment. That includes a complete fragment with a bad checksum at the
///   very end (a flipped bit is not a torn write) and any damage followed by an intact record,
///   found by trying every offset after the damage (an intact record after damage may be an
///   acknowledged, synced write: skipping the damage would create a hole, dropping it would lose
///   it).
///
/// The reader holds the whole file in memory; logs are bounded by the memtable budget.
package struct LogReader {
    package let bytes: [UInt8]
    package let path: String
    /// Whether this is the newest log, the only one whose tail a crash can have torn.
    let tailMayBeTorn: Bool
    /// The file offset of `bytes[0]` (a reader may start at any record boundary of a file):
    /// block boundaries and reported offsets are file offsets.
    let baseOffset: Int
    private var position = 0
    /// Where the last complete record ended (an index into `bytes`).
    package private(set) var endOfLastRecord = 0
    /// Set when reading stopped at a torn tail.
    package private(set) var tornTail: TornTail?

    /// Where a torn tail began and how many bytes were dropped with it.
    package struct TornTail: Equatable {
        package var offset: Int
        package var droppedBytes: Int
    }

    package init(bytes: [UInt8], path: String, tailMayBeTorn: Bool, baseOffset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.tailMayBeTorn = tailMayBeTorn
        self.baseOffset = baseOffset
    }

    /// Bytes left in the block at index `index` of `bytes`.
    private func leftInBlock(at index: Int) -> Int {
        LogFormat.blockSize - (baseOffset + index) % LogFormat.blockSize
    }

    /// The next record, or `nil` at the end of the log (clean or torn).
    package mutating func next() throws -> [UInt8]? {
        var record: [UInt8] = []
        var recordStart: Int?
        while true {
            switch readFragment() {
            case .endOfFile:
                guard let recordStart else { return nil }
                // FIRST (and MIDDLE) fragments without their LAST: the file ends inside a record.
                return try endAtDamage(Damage(offset: recordStart, kind: .incomplete, reason: "log ends inside a record"),
                                       recordStart: recordStart)
            case .damaged(let damage):
                return try endAtDamage(damage, recordStart: recordStart)
            case .fragment(let type, let start, let payload):
                switch type {
                case .full:
                    if let recordStart { throw orphan(recordStart, "a record started but never finished") }
                    endOfLastRecord = position
                    return Array(payload)
                case .first:
                    if let recordStart { throw orphan(recordStart, "a record started but never finished") }
                    recordStart = start
                    record = Array(payload)
                case .middle, .last:
                    guard recordStart != nil else { throw orphan(start, "a record continues without a beginning") }
                    record.append(contentsOf: payload)
                    if type == .last {
                        endOfLastRecord = position
                        return record
                    }
                case .zero:
                    preconditionFailure("zero fragments are reported as end of file")
                }
            }
        }
    }

    /// Decides what damage at `damage.offset` means: a torn tail (returns nil) or corruption
    /// (throws).
    private mutating func endAtDamage(_ damage: Damage, recordStart: Int?) throws -> [UInt8]? {
        if let intact = firstRecordStart(after: damage.offset) {
            throw TernError.corruption(
                "\(damage.reason); an intact record follows at offset \(baseOffset + intact), so this is not a torn tail",
                file: path, offset: baseOffset + damage.offset)
        }
        guard tailMayBeTorn, damage.kind != .garbled else {
            let where_ = tailMayBeTorn ? "" : " (not the newest log, whose tail alone a crash can tear)"
            throw TernError.corruption("\(damage.reason)\(where_)", file: path, offset: baseOffset + damage.offset)
        }
        let offset = recordStart ?? damage.offset
        tornTail = TornTail(offset: baseOffset + offset, droppedBytes: bytes.count - offset)
        position = bytes.count
        return nil
    }

    private func orphan(_ offset: Int, _ reason: String) -> TernError {
        TernError.corruption("log fragments out of order: \(reason)", file: path, offset: baseOffset + offset)
    }

    /// Damage found where a fragment should start.
    struct Damage {
        enum Kind {
            /// The file ends inside the fragment or its record: a write cut short.
            case incomplete
            /// The fragment is zeroed from some 512-byte sector on (or from its header): pages a
            /// power cut never wrote.
            case zeroed
            /// Anything else: flipped bits, garbage. Never a torn write.
            case garbled
        }
        var offset: Int
        var kind: Kind
        var reason: String
    }

    private enum Fragment {
        case endOfFile
        case damaged(Damage)
        case fragment(LogRecordType, start: Int, payload: ArraySlice<UInt8>)
    }

    private mutating func readFragment() -> Fragment {
        while true {
            let leftInBlock = leftInBlock(at: position)
            if leftInBlock < LogFormat.headerSize {
                position += leftInBlock
                continue
            }
            if position >= bytes.count { return .endOfFile }
            let start = position
            if start + LogFormat.headerSize > bytes.count {
                return .damaged(Damage(offset: start, kind: allZero(start..<bytes.count) ? .zeroed : .incomplete,
                                       reason: "log ends inside a record header"))
            }
            let (maskedCRC, length, typeByte) = bytes.withUnsafeBytes {
                ($0.fixed32(at: start), Int($0.fixed16(at: start + 4)), $0[start + 6])
            }
            if maskedCRC == 0 && length == 0 && typeByte == 0 {
                // Zero-filled space to the end: nothing was ever written here.
                if allZero(start..<bytes.count) { return .endOfFile }
                return .damaged(Damage(offset: start, kind: .zeroed, reason: "zeroed record header"))
            }
            guard let type = LogRecordType(rawValue: typeByte), type != .zero else {
                return .damaged(Damage(offset: start, kind: .garbled, reason: "unknown log record type \(typeByte)"))
            }
            guard length <= leftInBlock - LogFormat.headerSize else {
                return .damaged(Damage(offset: start, kind: .garbled, reason: "record length \(length) crosses its block"))
            }
            let payloadStart = start + LogFormat.headerSize
            guard payloadStart + length <= bytes.count else {
                return .damaged(Damage(offset: start, kind: .incomplete, reason: "log ends inside a record"))
            }
            guard checksumMatches(at: start, length: length, maskedCRC: maskedCRC) else {
                let end = payloadStart + length
                let kind: Damage.Kind = hasZeroedSector(start..<end) ? .zeroed : .garbled
                return .damaged(Damage(offset: start, kind: kind, reason: "log record checksum mismatch"))
            }
            position = payloadStart + length
            return .fragment(type, start: start, payload: bytes[payloadStart..<(payloadStart + length)])
        }
    }

    private func checksumMatches(at start: Int, length: Int, maskedCRC: UInt32) -> Bool {
        bytes.withUnsafeBytes { raw in
            let covered = UnsafeRawBufferPointer(rebasing: raw[(start + 6)..<(start + LogFormat.headerSize + length)])
            return CRC32C.checksum(covered) == CRC32C.unmask(maskedCRC)
        }
    }

    private func allZero(_ range: Range<Int>) -> Bool {
        bytes[range].allSatisfy { $0 == 0 }
    }

    /// Whether `range` contains a 512-byte-aligned sector (clipped to the range and to the end of
    /// the file) that is all zeros: the mark a power cut leaves where pages were never written.
    /// A sector is the unit a disk writes atomically; flipped bits never zero a whole one.
    private func hasZeroedSector(_ range: Range<Int>) -> Bool {
        let sector = 512
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, ((baseOffset + start) / sector + 1) * sector - baseOffset)
            // A clipped piece counts only if it runs to the fragment's end (the rest of a torn
            // write) and is long enough not to be a value's own trailing zeros.
            if (end - start == sector || (end == range.upperBound && end - start >= 32)) && allZero(start..<end) {
                return true
            }
            start = end
        }
        return false
    }

    /// The offset of the first intact fragment after `offset` that starts a record (FULL or
    /// FIRST), trying every offset where a header fits in its block. Intact MIDDLE and LAST
    /// fragments are stepped over (they may be the rest of the torn record itself, and bytes
    /// inside their payloads are not headers).
    private func firstRecordStart(after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + LogFormat.headerSize <= bytes.count {
            let leftInBlock = leftInBlock(at: candidate)
            if leftInBlock < LogFormat.headerSize {
                candidate += leftInBlock
                continue
            }
            if let (type, end) = intactFragment(at: candidate, leftInBlock: leftInBlock) {
                if type == .full || type == .first { return candidate }
                candidate = end
                continue
            }
            candidate += 1
        }
        return nil
    }

    /// The type and end of an intact fragment at `start`, if there is one.
    private func intactFragment(at start: Int, leftInBlock: Int) -> (LogRecordType, Int)? {
        let typeByte = bytes[start + 6]
        guard typeByte >= 1 && typeByte <= 4, let type = LogRecordType(rawValue: typeByte) else { return nil }
        let (maskedCRC, length) = bytes.withUnsafeBytes { ($0.fixed32(at: start), Int($0.fixed16(at: start + 4))) }
        let end = start + LogFormat.headerSize + length
        guard length <= leftInBlock - LogFormat.headerSize, end <= bytes.count,
              checksumMatches(at: start, length: length, maskedCRC: maskedCRC) else { return nil }
        return (type, end)
    }
}
