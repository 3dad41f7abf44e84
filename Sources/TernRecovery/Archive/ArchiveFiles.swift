import TernEngine

/// The archive directory's layout (`docs/formats/archive.md`):
///
///     ARCHIVE                  the archive manifest: ArchiveEdit records in the WAL's framing
///     segments/00000007.seg    committed batches, one record each, in sequence order
///     checkpoints/00000003/    a store directory: SSTables, MANIFEST-…, CURRENT
enum ArchiveLayout {
    static let manifest = "ARCHIVE"
    static let segments = "segments"
    static let checkpoints = "checkpoints"
    /// The file in the *store's* directory naming the archive lineage it feeds.
    static let storeLineageFile = "ARCHIVE-LINEAGE"

    static func padded(_ number: UInt64) -> String {
        let digits = String(number)
        return digits.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func segmentName(_ number: UInt64) -> String { segments + "/" + padded(number) + ".seg" }
    static func checkpointName(_ number: UInt64) -> String { checkpoints + "/" + padded(number) }
}

/// Reads and appends the archive manifest. A write that fails leaves the file to be rewritten
/// whole (a snapshot) before the next append, so a partial record is never followed by another.
struct ArchiveManifestFile: ~Copyable {
    let fileSystem: any FileSystem
    let directory: String
    private var writer: LogWriter?
    /// Rewrite as a snapshot past this size.
    static let rotationBytes = 1 << 20

    init(fileSystem: any FileSystem, directory: String) {
        self.fileSystem = fileSystem
        self.directory = directory
    }

    /// The state `ARCHIVE` describes. Only an incomplete last record (a torn append) is dropped;
    /// any other damage is corruption naming `ARCHIVE`.
    static func read(fileSystem: any FileSystem, directory: String) throws -> ArchiveState {
        let bytes = try fileSystem.readFile(Path.join(directory, ArchiveLayout.manifest))
        var reader = LogReader(bytes: bytes, path: ArchiveLayout.manifest, tailMayBeTorn: true)
        var state = ArchiveState()
        var sawVersion = false
        while let record = try reader.next() {
            let offset = reader.endOfLastRecord - record.count
            let edit = try ArchiveEdit.decode(record, file: ArchiveLayout.manifest, offset: offset)
            if case .formatVersion? = edit.fields.first { sawVersion = true }
            guard sawVersion else {
                throw TernError.corruption("the archive manifest does not start with a format version", file: ArchiveLayout.manifest, offset: 0)
            }
            try state.apply(edit, file: ArchiveLayout.manifest, offset: offset)
        }
        guard sawVersion else {
            throw TernError.corruption("the archive manifest is empty", file: ArchiveLayout.manifest, offset: 0)
        }
        return state
    }

    /// Replaces `ARCHIVE` by one snapshot edit of `state` (written aside, synced, renamed).
    mutating func rewrite(_ state: ArchiveState) throws {
        if let old = writer.take() { try? old.close() }
        let path = Path.join(directory, ArchiveLayout.manifest)
        let temporary = path + ".tmp"
        var fresh = LogWriter(file: try fileSystem.openWritable(temporary, truncate: true))
        do {
            try fresh.add(state.snapshot().encode())
            try fresh.sync()
        } catch {
            try? fresh.close()
            throw error
        }
        try fresh.close()
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory)
        let size = try fileSystem.fileSize(path)
        writer = LogWriter(file: try fileSystem.openWritable(path, truncate: false), existingSize: size)
    }

    /// Appends `edit` and syncs; rewrites the file first when the last write failed or it has
    /// grown past `rotationBytes` (then `state` must already include `edit`).
    mutating func append(_ edit: ArchiveEdit, state: ArchiveState) throws {
        let needsRewrite: Bool
        switch writer {
        case .none: needsRewrite = true
        case .some(let current): needsRewrite = current.writtenBytes >= Self.rotationBytes
        }
        if needsRewrite {
            try rewrite(state)
            return
        }
        do {
            try writer!.add(edit.encode())
            try writer!.sync()
        } catch {
            if let broken = writer.take() { try? broken.close() }
            throw error
        }
    }

    mutating func close() {
        if let open = writer.take() { try? open.close() }
    }
}

extension FileSystem {
    /// The CRC32C and size of a whole file.
    func checksum(of path: String, name: String) throws -> (sizeBytes: Int, crc32c: UInt32) {
        let file = try openReadable(path)
        defer { file.close() }
        var crc: UInt32 = 0
        var offset = 0
        while offset < file.size {
            let chunk = try file.readExactly(at: offset, count: min(1 << 20, file.size - offset), path: name)
            crc = CRC32C.checksum(chunk, extending: crc)
            offset += chunk.count
        }
        return (file.size, crc)
    }

    /// Checks that the file has the size and checksum the archive recorded; a mismatch is
    /// corruption naming it.
    func verify(_ path: String, name: String, sizeBytes: Int, crc32c: UInt32) throws {
        let actual: (sizeBytes: Int, crc32c: UInt32)
        do {
            actual = try checksum(of: path, name: name)
        } catch let error as TernError where error.code == .notFound {
            throw TernError.corruption("\(name) is missing from the archive", file: name, offset: nil)
        }
        guard actual.sizeBytes == sizeBytes else {
            throw TernError.corruption("\(name) is \(actual.sizeBytes) bytes; the archive recorded \(sizeBytes)",
                                       file: name, offset: min(actual.sizeBytes, sizeBytes))
        }
        guard actual.crc32c == crc32c else {
            throw TernError.corruption("\(name) fails its checksum", file: name, offset: nil)
        }
    }
}
