import Synchronization

/// Open SSTables by file number. Opening a table reads its footer, index and filter once;
/// after that every read of the table is a block read.
///
/// Thread safety: the map sits behind a `Mutex`; `Table` itself is immutable and shared.
final class TableCache: Sendable {
    private let fileSystem: any FileSystem
    private let directory: String
    private let tables = Mutex<[FileNumber: SSTable]>([:])

    init(fileSystem: any FileSystem, directory: String) {
        self.fileSystem = fileSystem
        self.directory = directory
    }

    /// The open table for `file`, opening it on first use.
    func table(_ file: FileMetadata) throws -> SSTable {
        if let table = tables.withLock({ $0[file.number] }) { return table }
        let name = FileName.table(file.number)
        let handle = try fileSystem.openReadable(Path.join(directory, name))
        let table: SSTable
        do {
            table = try SSTable.open(file: handle, path: name)
        } catch {
            handle.close()
            throw error
        }
        return tables.withLock { tables in
            if let existing = tables[file.number] {
                return existing
            }
            tables[file.number] = table
            return table
        }
    }

    /// Forgets `number` (its file is being deleted).
    func evict(_ number: FileNumber) {
        tables.withLock { $0[number] = nil }
    }
}
