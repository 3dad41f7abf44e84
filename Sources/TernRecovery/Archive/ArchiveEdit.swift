import TernEngine

/// One record of the archive manifest (`ARCHIVE`), a record log in the WAL's framing.
/// Specified in `docs/formats/archive.md`; a change to the grammar bumps `formatVersion`.
///
///     edit   := field*
///     tag 1  formatVersion     varint                          (first edit of every ARCHIVE)
///     tag 2  lineage           lp(id)                          (the store lineage archived here)
///     tag 3  segmentOpened     varint number, varint firstSequence, varint firstStamp
///     tag 4  segmentProgress   varint number, varint validBytes, varint lastSequence, varint lastStamp
///     tag 5  segmentSealed     varint number, varint firstSequence, varint lastSequence,
///                              varint firstStamp, varint lastStamp, varint sizeBytes, fixed32 crc32c
///     tag 6  checkpointAdded   varint number, varint sequence, varint stamp, varint fileCount,
///                              (lp(name) varint sizeBytes fixed32 crc32c){fileCount}
///     tag 7  removed           varint kind (1 segment, 2 checkpoint), varint number
///     tag 8  gap               varint afterSequence, varint afterStamp, varint resumeSequence, varint resumeStamp
///     tag 9  tableRecovery     lp(tableName), varint enabled (0/1), varint sinceStamp
struct ArchiveEdit: Equatable, Sendable {
    static let formatVersion: UInt64 = 1

    enum Field: Equatable, Sendable {
        case formatVersion(UInt64)
        case lineage(String)
        case segmentOpened(number: UInt64, firstSequence: UInt64, firstStamp: HybridTimestamp)
        case segmentProgress(number: UInt64, validBytes: Int, lastSequence: UInt64, lastStamp: HybridTimestamp)
        case segmentSealed(ArchiveState.Segment)
        case checkpointAdded(ArchiveState.Checkpoint)
        case removed(kind: RemovedKind, number: UInt64)
        case gap(ArchiveState.Gap)
        case tableRecovery(table: String, enabled: Bool, since: HybridTimestamp)
    }

    enum RemovedKind: UInt64, Sendable {
        case segment = 1, checkpoint = 2
    }

    var fields: [Field]

    init(_ fields: [Field]) {
        self.fields = fields
    }

    func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            switch field {
            case .formatVersion(let value):
                bytes.appendVarint(UInt64(1)); bytes.appendVarint(value)
            case .lineage(let id):
                bytes.appendVarint(UInt64(2)); bytes.appendLengthPrefixed(Array(id.utf8))
            case .segmentOpened(let number, let first, let firstStamp):
                bytes.appendVarint(UInt64(3)); bytes.appendVarint(number); bytes.appendVarint(first)
                bytes.appendVarint(firstStamp.rawValue)
            case .segmentProgress(let number, let validBytes, let lastSequence, let lastStamp):
                bytes.appendVarint(UInt64(4)); bytes.appendVarint(number); bytes.appendVarint(validBytes)
                bytes.appendVarint(lastSequence); bytes.appendVarint(lastStamp.rawValue)
            case .segmentSealed(let segment):
                bytes.appendVarint(UInt64(5)); bytes.appendVarint(segment.number)
                bytes.appendVarint(segment.firstSequence); bytes.appendVarint(segment.lastSequence)
                bytes.appendVarint(segment.firstStamp.rawValue); bytes.appendVarint(segment.lastStamp.rawValue)
                bytes.appendVarint(segment.sizeBytes); bytes.appendFixed32(segment.crc32c)
            case .checkpointAdded(let checkpoint):
                bytes.appendVarint(UInt64(6)); bytes.appendVarint(checkpoint.number)
                bytes.appendVarint(checkpoint.sequence); bytes.appendVarint(checkpoint.stamp.rawValue)
                bytes.appendVarint(checkpoint.files.count)
                for file in checkpoint.files {
                    bytes.appendLengthPrefixed(Array(file.name.utf8))
                    bytes.appendVarint(file.sizeBytes)
                    bytes.appendFixed32(file.crc32c)
                }
            case .removed(let kind, let number):
                bytes.appendVarint(UInt64(7)); bytes.appendVarint(kind.rawValue); bytes.appendVarint(number)
            case .gap(let gap):
                bytes.appendVarint(UInt64(8)); bytes.appendVarint(gap.afterSequence); bytes.appendVarint(gap.afterStamp.rawValue)
                bytes.appendVarint(gap.resumeSequence); bytes.appendVarint(gap.resumeStamp.rawValue)
            case .tableRecovery(let table, let enabled, let since):
                bytes.appendVarint(UInt64(9)); bytes.appendLengthPrefixed(Array(table.utf8))
                bytes.appendVarint(enabled ? UInt64(1) : 0); bytes.appendVarint(since.rawValue)
            }
        }
        return bytes
    }

    static func decode(_ record: [UInt8], file: String, offset: Int) throws -> ArchiveEdit {
        func corrupt(_ what: String) -> TernError {
            TernError.corruption("malformed archive manifest record: \(what)", file: file, offset: offset)
        }
        return try record.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            var fields: [Field] = []
            func varint(_ what: String) throws -> UInt64 {
                guard let value = reader.readVarint() else { throw corrupt(what) }
                return value
            }
            func length(_ what: String) throws -> Int {
                guard let value = reader.readLength(limit: Int.max) else { throw corrupt(what) }
                return value
            }
            func text(_ what: String) throws -> String {
                guard let bytes = reader.readLengthPrefixed() else { throw corrupt(what) }
                return String(decoding: bytes, as: UTF8.self)
            }
            func crc(_ what: String) throws -> UInt32 {
                guard let value = reader.readFixed32() else { throw corrupt(what) }
                return value
            }
            while !reader.isAtEnd {
                let tag = try varint("tag")
                switch tag {
                case 1: fields.append(.formatVersion(try varint("format version")))
                case 2: fields.append(.lineage(try text("lineage")))
                case 3:
                    fields.append(.segmentOpened(number: try varint("segment"), firstSequence: try varint("first sequence"),
                                                 firstStamp: HybridTimestamp(rawValue: try varint("first stamp"))))
                case 4:
                    fields.append(.segmentProgress(
                        number: try varint("segment"), validBytes: try length("valid bytes"),
                        lastSequence: try varint("last sequence"), lastStamp: HybridTimestamp(rawValue: try varint("last stamp"))))
                case 5:
                    fields.append(.segmentSealed(ArchiveState.Segment(
                        number: try varint("segment"), firstSequence: try varint("first sequence"),
                        lastSequence: try varint("last sequence"), firstStamp: HybridTimestamp(rawValue: try varint("first stamp")),
                        lastStamp: HybridTimestamp(rawValue: try varint("last stamp")), sizeBytes: try length("size"),
                        crc32c: try crc("checksum"), isSealed: true)))
                case 6:
                    let number = try varint("checkpoint")
                    let sequence = try varint("sequence")
                    let stamp = HybridTimestamp(rawValue: try varint("stamp"))
                    let count = try length("file count")
                    guard count <= 1_000_000 else { throw corrupt("file count") }
                    var files: [ArchiveState.File] = []
                    for _ in 0..<count {
                        files.append(ArchiveState.File(name: try text("file name"), sizeBytes: try length("file size"), crc32c: try crc("file checksum")))
                    }
                    fields.append(.checkpointAdded(ArchiveState.Checkpoint(number: number, sequence: sequence, stamp: stamp, files: files)))
                case 7:
                    guard let kind = RemovedKind(rawValue: try varint("removed kind")) else { throw corrupt("removed kind") }
                    fields.append(.removed(kind: kind, number: try varint("removed number")))
                case 8:
                    fields.append(.gap(ArchiveState.Gap(
                        afterSequence: try varint("gap"), afterStamp: HybridTimestamp(rawValue: try varint("gap")),
                        resumeSequence: try varint("gap"), resumeStamp: HybridTimestamp(rawValue: try varint("gap")))))
                case 9:
                    fields.append(.tableRecovery(
                        table: try text("table"), enabled: try varint("enabled") != 0,
                        since: HybridTimestamp(rawValue: try varint("since"))))
                default:
                    throw TernError(.unsupportedFormat,
                        "archive manifest field \(tag) is unknown: the archive was written by a newer Tern", file: file, offset: offset)
                }
            }
            return ArchiveEdit(fields)
        }
    }
}
