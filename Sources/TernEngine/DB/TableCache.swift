import Synchronization

/// Open SSTables by file number, at most `capacity` at once. Opening a table reads its footer,
/// index and filter once; after that every read of the table is a (cached) block read.
///
/// Eviction drops the cache's reference; a table still used by an iterator stays open until
/// that iterator lets go (the table closes its file when released).
///
/// Thread safety: the map sits behind a `Mutex`; `SSTable` itself is immutable and shared.
final class TableCache: Sendable {
    private struct Entry {
        let table: SSTable
        var lastUse: UInt64
    }

    private struct State {
        var entries: [FileNumber: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let fileSystem: any FileSystem
    private let directory: String
    private let capacity: Int
    /// Whether tables read their blocks from the file mapped into memory (`StoreOptions.mapTableFiles`).
    private let mapsFiles: Bool
    let blockCache: BlockCache?
    private let state = Mutex(State())

    init(fileSystem: any FileSystem, directory: String, capacity: Int, blockCacheBytes: Int, mapsFiles: Bool = false) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.capacity = max(capacity, 1)
        self.mapsFiles = mapsFiles
        self.blockCache = blockCacheBytes > 0 ? BlockCache(capacityBytes: blockCacheBytes) : nil
    }

    /// The open table for `file`, opening it on first use.
    func table(_ file: FileMetadata) throws -> SSTable {
        if let table = state.withLock({ state -> SSTable? in
            guard state.entries[file.number] != nil else { return nil }
            state.clock += 1
            state.entries[file.number]!.lastUse = state.clock
            return state.entries[file.number]!.table
        }) {
            return table
        }
        let name = FileName.table(file.number)
        let path = Path.join(directory, name)
        let handle = try fileSystem.openReadable(path)
        let table: SSTable
        do {
            table = try SSTable.open(file: handle, path: name, cache: blockCache, ownsFile: true, mapsFile: mapsFiles)
        } catch {
            handle.close()
            throw error
        }
        return state.withLock { state in
            state.clock += 1
            if let existing = state.entries[file.number] {
                state.entries[file.number]!.lastUse = state.clock
                return existing.table
            }
            if state.entries.count >= capacity,
               let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries[oldest] = nil
            }
            state.entries[file.number] = Entry(table: table, lastUse: state.clock)
            return table
        }
    }

    /// Forgets `number` (its file is being deleted).
    func evict(_ number: FileNumber) {
        _ = state.withLock { $0.entries.removeValue(forKey: number) }
    }

    var openTableCount: Int { state.withLock { $0.entries.count } }
}
