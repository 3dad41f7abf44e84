import Synchronization

/// An SSTable as the file set knows it. Immutable; shared by every version that contains it.
///
/// File lifetime: a compaction that replaces a file marks it obsolete; the file is deleted when
/// the last version holding this object goes away, which is when no read view, iterator or
/// snapshot can still read it (their views hold the version). ARC does the reference counting.
package final class FileMetadata: Sendable {
    package let number: FileNumber
    package let sizeBytes: Int
    /// The smallest and largest internal keys in the file.
    let smallest: [UInt8]
    let largest: [UInt8]
    private let reclaimer = Mutex<ObsoleteFiles?>(nil)

    init(number: FileNumber, sizeBytes: Int, smallest: [UInt8], largest: [UInt8]) {
        self.number = number
        self.sizeBytes = sizeBytes
        self.smallest = smallest
        self.largest = largest
    }

    /// The user keys of the file's range.
    var smallestUserKey: ArraySlice<UInt8> { smallest.dropLast(InternalKey.trailerSize) }
    var largestUserKey: ArraySlice<UInt8> { largest.dropLast(InternalKey.trailerSize) }

    /// Schedules the file's deletion for when this object is released.
    func markObsolete(_ queue: ObsoleteFiles) {
        reclaimer.withLock { $0 = queue }
    }

    deinit {
        if let queue = reclaimer.withLock({ $0 }) { queue.add(number) }
    }
}

/// SSTables no version refers to any more, waiting for a background thread to delete them.
/// Thread safety: behind a `Mutex`; `add` is called from whichever thread released the file.
final class ObsoleteFiles: Sendable {
    private let numbers = Mutex<[FileNumber]>([])

    func add(_ number: FileNumber) {
        numbers.withLock { $0.append(number) }
    }

    func takeAll() -> [FileNumber] {
        numbers.withLock { numbers in
            defer { numbers.removeAll() }
            return numbers
        }
    }
}

/// A change to the file set, as recorded in the manifest. Specified in `docs/formats/manifest.md`.
///
///     edit   := field*
///     field  := tag (varint) | body
///     tag 1  formatVersion  varint          (first edit of every manifest)
///     tag 2  logNumber      varint          (WALs numbered below it are obsolete)
///     tag 3  nextFileNumber varint
///     tag 4  lastSequence   varint
///     tag 5  deletedFile    varint level | varint number
///     tag 6  newFile        varint level | varint number | varint size | lp smallest | lp largest
///     tag 7  lastStamp      varint                        (format 2)
///     tag 8  walStart       varint number | varint first sequence   (format 2)
///     tag 9  feedConsumer   lp name | varint acknowledged sequence  (format 2)
///     tag 10 feedConsumerRemoved  lp name                          (format 2)
///
/// `lp` is a varint length followed by that many bytes. Unknown tags come from a newer format.
struct VersionEdit: Equatable {
    /// Bumped by any change to the manifest grammar or to what the store's files mean.
    /// 2: WAL batches carry commit stamps; the manifest records stamps, WAL starts and change-feed
    /// consumers.
    static let formatVersion: UInt64 = 2

    var formatVersion: UInt64?
    var logNumber: FileNumber?
    var nextFileNumber: FileNumber?
    var lastSequence: SequenceNumber?
    var lastStamp: HybridTimestamp?
    var deletedFiles: [(level: Int, number: FileNumber)] = []
    var newFiles: [(level: Int, file: NewFile)] = []
    /// WAL files and the sequence of their first batch (kept for the change feed).
    var walStarts: [(number: FileNumber, firstSequence: SequenceNumber)] = []
    /// Change-feed consumers and the sequence each has acknowledged through.
    var feedConsumers: [(name: String, acknowledged: SequenceNumber)] = []
    var removedFeedConsumers: [String] = []

    struct NewFile: Equatable {
        var number: FileNumber
        var sizeBytes: Int
        var smallest: [UInt8]
        var largest: [UInt8]
    }

    static func == (a: VersionEdit, b: VersionEdit) -> Bool {
        a.formatVersion == b.formatVersion && a.logNumber == b.logNumber && a.nextFileNumber == b.nextFileNumber
            && a.lastSequence == b.lastSequence
            && a.deletedFiles.map { "\($0.level)/\($0.number)" } == b.deletedFiles.map { "\($0.level)/\($0.number)" }
            && a.newFiles.map(\.level) == b.newFiles.map(\.level) && a.newFiles.map(\.file) == b.newFiles.map(\.file)
            && a.lastStamp == b.lastStamp
            && a.walStarts.map { "\($0.number)/\($0.firstSequence)" } == b.walStarts.map { "\($0.number)/\($0.firstSequence)" }
            && a.feedConsumers.map { "\($0.name)/\($0.acknowledged)" } == b.feedConsumers.map { "\($0.name)/\($0.acknowledged)" }
            && a.removedFeedConsumers == b.removedFeedConsumers
    }

    private enum Tag: UInt64 {
        case formatVersion = 1, logNumber, nextFileNumber, lastSequence, deletedFile, newFile
        case lastStamp, walStart, feedConsumer, feedConsumerRemoved
    }

    func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        if let formatVersion { bytes.appendVarint(Tag.formatVersion.rawValue); bytes.appendVarint(formatVersion) }
        if let logNumber { bytes.appendVarint(Tag.logNumber.rawValue); bytes.appendVarint(logNumber.rawValue) }
        if let nextFileNumber { bytes.appendVarint(Tag.nextFileNumber.rawValue); bytes.appendVarint(nextFileNumber.rawValue) }
        if let lastSequence { bytes.appendVarint(Tag.lastSequence.rawValue); bytes.appendVarint(lastSequence.rawValue) }
        for (level, number) in deletedFiles {
            bytes.appendVarint(Tag.deletedFile.rawValue)
            bytes.appendVarint(level)
            bytes.appendVarint(number.rawValue)
        }
        for (level, file) in newFiles {
            bytes.appendVarint(Tag.newFile.rawValue)
            bytes.appendVarint(level)
            bytes.appendVarint(file.number.rawValue)
            bytes.appendVarint(file.sizeBytes)
            bytes.appendLengthPrefixed(file.smallest)
            bytes.appendLengthPrefixed(file.largest)
        }
        if let lastStamp { bytes.appendVarint(Tag.lastStamp.rawValue); bytes.appendVarint(lastStamp.rawValue) }
        for (number, firstSequence) in walStarts {
            bytes.appendVarint(Tag.walStart.rawValue)
            bytes.appendVarint(number.rawValue)
            bytes.appendVarint(firstSequence.rawValue)
        }
        for (name, acknowledged) in feedConsumers {
            bytes.appendVarint(Tag.feedConsumer.rawValue)
            bytes.appendLengthPrefixed(Array(name.utf8))
            bytes.appendVarint(acknowledged.rawValue)
        }
        for name in removedFeedConsumers {
            bytes.appendVarint(Tag.feedConsumerRemoved.rawValue)
            bytes.appendLengthPrefixed(Array(name.utf8))
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8], file: String, offset: Int) throws -> VersionEdit {
        func corrupt(_ what: String) -> TernError {
            TernError.corruption("malformed manifest record: \(what)", file: file, offset: offset)
        }
        return try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            var edit = VersionEdit()
            while !reader.isAtEnd {
                guard let tagValue = reader.readVarint() else { throw corrupt("truncated tag") }
                guard let tag = Tag(rawValue: tagValue) else {
                    throw TernError(.unsupportedFormat,
                        "manifest field \(tagValue) is unknown: the store was written by a newer Tern",
                        file: file, offset: offset)
                }
                switch tag {
                case .formatVersion:
                    guard let value = reader.readVarint() else { throw corrupt("format version") }
                    edit.formatVersion = value
                case .logNumber:
                    guard let value = reader.readVarint() else { throw corrupt("log number") }
                    edit.logNumber = FileNumber(value)
                case .nextFileNumber:
                    guard let value = reader.readVarint() else { throw corrupt("next file number") }
                    edit.nextFileNumber = FileNumber(value)
                case .lastSequence:
                    guard let value = reader.readVarint(), value <= SequenceNumber.max.rawValue else {
                        throw corrupt("last sequence")
                    }
                    edit.lastSequence = SequenceNumber(value)
                case .deletedFile:
                    guard let level = reader.readLength(limit: Version.levelCount - 1),
                          let number = reader.readVarint() else { throw corrupt("deleted file") }
                    edit.deletedFiles.append((level, FileNumber(number)))
                case .newFile:
                    guard let level = reader.readLength(limit: Version.levelCount - 1),
                          let number = reader.readVarint(),
                          let size = reader.readLength(limit: Int.max),
                          let smallest = reader.readLengthPrefixed(), smallest.count >= InternalKey.trailerSize,
                          let largest = reader.readLengthPrefixed(), largest.count >= InternalKey.trailerSize
                    else { throw corrupt("new file") }
                    edit.newFiles.append((level, NewFile(
                        number: FileNumber(number), sizeBytes: size, smallest: Array(smallest), largest: Array(largest))))
                case .lastStamp:
                    guard let value = reader.readVarint() else { throw corrupt("last stamp") }
                    edit.lastStamp = HybridTimestamp(rawValue: value)
                case .walStart:
                    guard let number = reader.readVarint(), let first = reader.readVarint(),
                          first <= SequenceNumber.max.rawValue else { throw corrupt("WAL start") }
                    edit.walStarts.append((FileNumber(number), SequenceNumber(first)))
                case .feedConsumer:
                    guard let name = reader.readLengthPrefixed(), let acknowledged = reader.readVarint(),
                          acknowledged <= SequenceNumber.max.rawValue else { throw corrupt("feed consumer") }
                    edit.feedConsumers.append((String(decoding: name, as: UTF8.self), SequenceNumber(acknowledged)))
                case .feedConsumerRemoved:
                    guard let name = reader.readLengthPrefixed() else { throw corrupt("removed feed consumer") }
                    edit.removedFeedConsumers.append(String(decoding: name, as: UTF8.self))
                }
            }
            return edit
        }
    }
}
