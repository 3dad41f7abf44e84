/// Reads the records of a log file written by `LogWriter`.
///
/// Recovery rules (see `docs/formats/wal.md`):
/// - A damaged or incomplete record with no intact record after it is a *torn tail*: the crash
///   interrupted the last write. Reading ends there and `tornTailOffset` says where.
/// - A damaged record followed by an intact one is corruption in the middle of the log: `next()`
///   throws `.corruption` naming the file and the offset, because skipping it would create a hole.
///
/// The reader holds the whole file in memory; logs are bounded by the memtable budget.
struct LogReader {
    let bytes: [UInt8]
    let path: String
    private var position = 0
    /// Where the last complete record ended.
    private(set) var endOfLastRecord = 0
    /// Set when reading stopped at a torn tail: the offset of the first byte not recovered.
    private(set) var tornTailOffset: Int?

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// The next record, or `nil` at the end of the log (clean or torn).
    mutating func next() throws -> [UInt8]? {
        var record: [UInt8] = []
        var recordStart: Int?
        while true {
            switch readFragment() {
            case .endOfFile:
                if let recordStart { tornTailOffset = recordStart }
                return nil
            case .damaged(let offset, let reason):
                if let intact = firstIntactFragment(after: offset) {
                    throw TernError.corruption(
                        "\(reason); an intact record follows at offset \(intact), so this is not a torn tail",
                        file: path, offset: offset)
                }
                tornTailOffset = recordStart ?? offset
                return nil
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

    private func orphan(_ offset: Int, _ reason: String) -> TernError {
        TernError.corruption("log fragments out of order: \(reason)", file: path, offset: offset)
    }

    private enum Fragment {
        case endOfFile
        case damaged(offset: Int, reason: String)
        case fragment(LogRecordType, start: Int, payload: ArraySlice<UInt8>)
    }

    private mutating func readFragment() -> Fragment {
        while true {
            let leftInBlock = LogFormat.blockSize - position % LogFormat.blockSize
            if leftInBlock < LogFormat.headerSize {
                position += leftInBlock
                continue
            }
            if position >= bytes.count { return .endOfFile }
            if position + LogFormat.headerSize > bytes.count {
                return .damaged(offset: position, reason: "log ends inside a record header")
            }
            let start = position
            let (maskedCRC, length, typeByte) = bytes.withUnsafeBytes {
                ($0.fixed32(at: start), Int($0.fixed16(at: start + 4)), $0[start + 6])
            }
            if maskedCRC == 0 && length == 0 && typeByte == 0 {
                // Zero-filled space: nothing was ever written here.
                return allZero(from: start) ? .endOfFile : .damaged(offset: start, reason: "zeroed record header")
            }
            guard let type = LogRecordType(rawValue: typeByte), type != .zero else {
                return .damaged(offset: start, reason: "unknown log record type \(typeByte)")
            }
            guard length <= leftInBlock - LogFormat.headerSize else {
                return .damaged(offset: start, reason: "record length \(length) crosses its block")
            }
            let payloadStart = start + LogFormat.headerSize
            guard payloadStart + length <= bytes.count else {
                return .damaged(offset: start, reason: "log ends inside a record")
            }
            guard checksumMatches(at: start, length: length, maskedCRC: maskedCRC) else {
                return .damaged(offset: start, reason: "log record checksum mismatch")
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

    private func allZero(from offset: Int) -> Bool {
        bytes[offset...].allSatisfy { $0 == 0 }
    }

    /// The offset of an intact fragment after a damaged one at `offset`: the fragment right after
    /// it (when its length field is plausible) or the first fragment of any later block.
    private func firstIntactFragment(after offset: Int) -> Int? {
        var candidates: [Int] = []
        if offset + LogFormat.headerSize <= bytes.count {
            let length = bytes.withUnsafeBytes { Int($0.fixed16(at: offset + 4)) }
            candidates.append(offset + LogFormat.headerSize + length)
        }
        var blockStart = (offset / LogFormat.blockSize + 1) * LogFormat.blockSize
        while blockStart < bytes.count {
            candidates.append(blockStart)
            blockStart += LogFormat.blockSize
        }
        return candidates.first { isIntactFragment(at: $0) }
    }

    private func isIntactFragment(at start: Int) -> Bool {
        guard start + LogFormat.headerSize <= bytes.count else { return false }
        let leftInBlock = LogFormat.blockSize - start % LogFormat.blockSize
        guard leftInBlock >= LogFormat.headerSize else { return false }
        let (maskedCRC, length, typeByte) = bytes.withUnsafeBytes {
            ($0.fixed32(at: start), Int($0.fixed16(at: start + 4)), $0[start + 6])
        }
        guard typeByte >= 1 && typeByte <= 4, length <= leftInBlock - LogFormat.headerSize,
              start + LogFormat.headerSize + length <= bytes.count else { return false }
        return checksumMatches(at: start, length: length, maskedCRC: maskedCRC)
    }
}
