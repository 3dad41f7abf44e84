/// The durable record of the file set: the current `Version`, the manifest it is logged to, and
/// the counters (next file number, last sequence, live WAL number).
///
/// Manifest protocol: every change is a `VersionEdit` appended to the manifest and synced before
/// it takes effect. A new manifest starts with a snapshot edit; `CURRENT` is switched to it by
/// writing `CURRENT.tmp`, syncing, renaming and syncing the directory, so a crash leaves either the
/// old or the new manifest in charge, never neither.
///
/// Thread safety: none; the store calls it under its state lock.
final class VersionSet {
    let fileSystem: any FileSystem
    let directory: String

    private(set) var current: Version
    private(set) var nextFileNumber: FileNumber
    /// The sequence number of the last record made durable in an SSTable or WAL.
    var lastSequence: SequenceNumber
    /// The commit stamp of the batch at `lastSequence` (or later): the clock starts past it.
    var lastStamp = HybridTimestamp.zero
    /// The store format version the manifest was written in (older stores' WALs are read in their
    /// own format, then the store is rewritten in the current one).
    private(set) var formatVersion = VersionEdit.formatVersion
    /// WAL files kept for the change feed (and the live ones), with their first sequence number.
    var walStarts: [FileNumber: SequenceNumber] = [:]
    /// Change-feed consumers and the sequence number each has acknowledged through.
    private(set) var feedConsumers: [String: SequenceNumber] = [:]
    /// WALs numbered below this hold nothing the SSTables lack.
    private(set) var logNumber: FileNumber
    private(set) var manifestNumber: FileNumber?
    private var manifest: LogWriter?
    /// A torn last edit dropped when the manifest was read (an edit whose append a crash cut
    /// short: it never took effect, since edits take effect only once synced).
    private(set) var tornTail: (file: String, tail: LogReader.TornTail)?
    /// The manifest is rewritten as a fresh snapshot once it passes this size (0: never), so it
    /// does not grow without bound while a store stays open.
    var rotationBytes = 0
    /// The first failed write to the manifest. Sticky: a failed append may have left part of a
    /// record in the file, and an edit appended after it would make that part look like
    /// corruption in the middle instead of a torn tail.
    private var writeFailure: (any Error)?

    private init(fileSystem: any FileSystem, directory: String) {
        self.fileSystem = fileSystem
        self.directory = directory
        current = .empty
        nextFileNumber = FileNumber(1)
        lastSequence = .zero
        logNumber = FileNumber(0)
    }

    /// A version set for a new, empty store (no manifest written yet; call `writeNewManifest`).
    static func fresh(fileSystem: any FileSystem, directory: String) -> VersionSet {
        VersionSet(fileSystem: fileSystem, directory: directory)
    }

    /// Reads `CURRENT` and replays the manifest it names.
    static func recover(fileSystem: any FileSystem, directory: String) throws -> VersionSet {
        let set = VersionSet(fileSystem: fileSystem, directory: directory)
        let currentPath = Path.join(directory, FileName.current)
        let currentText = String(decoding: try fileSystem.readFile(currentPath), as: UTF8.self)
        guard currentText.hasSuffix("\n"), case .manifest(let number)? = FileName.parse(String(currentText.dropLast())) else {
            throw TernError.corruption("CURRENT does not name a manifest", file: FileName.current, offset: 0)
        }
        let manifestName = FileName.manifest(number)
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(Path.join(directory, manifestName))
        } catch let error as TernError where error.code == .notFound {
            throw TernError.corruption("CURRENT names \(manifestName), which is missing", file: FileName.current, offset: 0)
        }
        // The live manifest is the newest log of its kind: only its tail can be torn.
        var reader = LogReader(bytes: bytes, path: manifestName, tailMayBeTorn: true)
        var sawFormatVersion = false
        var version = Version.empty
        while let record = try reader.next() {
            let edit = try VersionEdit.decode(record, file: manifestName, offset: reader.endOfLastRecord - record.count)
            if let formatVersion = edit.formatVersion {
                guard formatVersion <= VersionEdit.formatVersion else {
                    throw TernError(.unsupportedFormat,
                        "the store has format version \(formatVersion); this build reads up to \(VersionEdit.formatVersion)",
                        file: manifestName)
                }
                sawFormatVersion = true
                set.formatVersion = formatVersion
            }
            guard sawFormatVersion else {
                throw TernError.corruption("manifest does not start with a format version", file: manifestName, offset: 0)
            }
            do {
                version = try version.applying(edit)
            } catch let error as TernError {
                throw error.naming(file: manifestName)
            }
            if let value = edit.logNumber { set.logNumber = value }
            if let value = edit.nextFileNumber { set.nextFileNumber = value }
            if let value = edit.lastSequence { set.lastSequence = value }
            set.applyFeedState(edit)
        }
        guard sawFormatVersion else {
            throw TernError.corruption("manifest is empty", file: manifestName, offset: 0)
        }
        if let torn = reader.tornTail { set.tornTail = (manifestName, torn) }
        set.current = version
        set.manifestNumber = number
        // Never trust a counter below a number in use.
        for file in version.allFiles where file.number >= set.nextFileNumber {
            set.nextFileNumber = FileNumber(file.number.rawValue + 1)
        }
        if number >= set.nextFileNumber { set.nextFileNumber = FileNumber(number.rawValue + 1) }
        return set
    }

    /// Takes the next file number.
    func newFileNumber() -> FileNumber {
        defer { nextFileNumber = FileNumber(nextFileNumber.rawValue + 1) }
        return nextFileNumber
    }

    /// Makes sure no future file reuses `number` (found on disk during recovery).
    func markFileNumberUsed(_ number: FileNumber) {
        if number >= nextFileNumber { nextFileNumber = FileNumber(number.rawValue + 1) }
    }

    private func applyFeedState(_ edit: VersionEdit) {
        if let value = edit.lastStamp { lastStamp = max(lastStamp, value) }
        for (number, first) in edit.walStarts { walStarts[number] = first }
        for (name, acknowledged) in edit.feedConsumers { feedConsumers[name] = acknowledged }
        for name in edit.removedFeedConsumers { feedConsumers[name] = nil }
    }

    /// Logs `edit` (completed with the counters) to the manifest, syncs, and installs the result.
    /// On failure nothing is installed and the store must refuse further writes.
    func logAndApply(_ edit: VersionEdit) throws {
        var edit = edit
        if let logNumber = edit.logNumber { precondition(logNumber >= self.logNumber, "log number went back") }
        edit.nextFileNumber = nextFileNumber
        edit.lastSequence = lastSequence
        edit.lastStamp = lastStamp
        let next = try current.applying(edit)
        guard manifest != nil else { preconditionFailure("logAndApply before a manifest was written") }
        if let writeFailure { throw writeFailure }
        do {
            try manifest!.add(edit.encode())
            try manifest!.sync()
        } catch {
            writeFailure = error
            throw error
        }
        current = next
        applyFeedState(edit)
        if let value = edit.logNumber { logNumber = value }
        if rotationBytes > 0, let size = manifest?.writtenBytes, size >= rotationBytes { try rotate() }
    }

    /// Replaces the manifest by a snapshot of the current state and removes the old one. The
    /// state is already durable in the old manifest, so a failure here loses nothing: it is
    /// thrown (the store refuses writes, as after any failed manifest write) and the next open
    /// reads whichever manifest `CURRENT` names.
    private func rotate() throws {
        let old: FileNumber?
        do {
            old = try writeNewManifest()
        } catch {
            // CURRENT may already name the new manifest: appending to the old one would be lost.
            writeFailure = error
            throw error
        }
        if let old { try? fileSystem.removeFile(Path.join(directory, FileName.manifest(old))) }
    }

    /// Applies the tables written during recovery without logging them: the new manifest that
    /// `writeNewManifest` starts next records them in its snapshot.
    func installRecovered(_ edit: VersionEdit) throws {
        current = try current.applying(edit)
    }

    /// Starts a new manifest holding a snapshot of the current state (plus `logNumber` when given)
    /// and switches `CURRENT` to it. Returns the number of the manifest it replaced, if any.
    @discardableResult
    func writeNewManifest(logNumber newLogNumber: FileNumber? = nil) throws -> FileNumber? {
        let number = newFileNumber()
        let name = FileName.manifest(number)
        let path = Path.join(directory, name)
        var edit = current.snapshotEdit()
        edit.formatVersion = VersionEdit.formatVersion
        edit.logNumber = newLogNumber ?? logNumber
        edit.nextFileNumber = nextFileNumber
        edit.lastSequence = lastSequence
        edit.lastStamp = lastStamp
        edit.walStarts = walStarts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        edit.feedConsumers = feedConsumers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        var writer = LogWriter(file: try fileSystem.openWritable(path, truncate: true))
        do {
            try writer.add(edit.encode())
            try writer.sync()
        } catch {
            try? writer.close()
            try? fileSystem.removeFile(path)
            throw error
        }
        do {
            try fileSystem.writeFileAtomically(
                Path.join(directory, FileName.current), Array((name + "\n").utf8))
        } catch {
            // The new manifest stays: if the rename took effect before the failure (a failed
            // directory sync), CURRENT may name it. If not, the next open removes it.
            try? writer.close()
            throw error
        }
        let old = manifestNumber
        if let previous = manifest.take() { try? previous.close() }
        manifest = .some(writer)
        manifestNumber = number
        formatVersion = VersionEdit.formatVersion
        if let newLogNumber { logNumber = newLogNumber }
        return old
    }

    /// Closes the manifest file.
    func close() {
        if let previous = manifest.take() { try? previous.close() }
    }
}
