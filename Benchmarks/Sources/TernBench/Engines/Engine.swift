import Glibc

/// The engines tern-bench can drive.
enum EngineKind: String, CaseIterable, Codable, Sendable {
    case tern, rocksdb, leveldb, sqlite
}

/// Settings every engine gets, chosen to be comparable (printed with every run).
struct EngineSettings: Sendable, Codable {
    /// Memtable / write buffer budget (SQLite: added to its page cache).
    var writeBufferBytes: Int
    /// Block cache budget (SQLite: added to its page cache; Tern: not yet configurable here).
    var blockCacheBytes: Int
    var blockSizeBytes = 4096
    var bloomBitsPerKey = 10
    /// Path of a RocksDB shared library to prefer over the search (see `RocksDBEngine`).
    var rocksDBLibrary: String?
}

/// One open database, shared by the worker threads.
///
/// Thread safety: `makeSession` is called once per worker thread, on that thread; sessions are
/// confined to it. Everything else is called from the coordinating thread between workloads.
protocol BenchEngine: AnyObject, Sendable {
    associatedtype Session: BenchSession

    /// Opens (creating when missing) the database in `directory`.
    static func open(directory: String, settings: EngineSettings) throws -> Self

    /// The library that was loaded and the settings it runs with, in one line.
    var configurationSummary: String { get }

    /// A per-thread handle: for SQLite its own connection, for the others a view of the shared
    /// handle with reusable buffers.
    func makeSession() throws -> Session

    /// Bytes the engine wrote to tables (flushes plus compactions) since `open`, as the engine
    /// itself reports it, or `nil` when it has no such statistic.
    func tableBytesWritten() -> Int?

    /// Closes the database. The engine is not used afterwards.
    func close() throws
}

/// What a worker thread does to the database. Keys and values are borrowed for the call only.
protocol BenchSession {
    /// Writes one key (one batch of one put), synced to stable storage when `sync`.
    mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws

    /// Point lookup; the length of the value found, or `nil` when the key is absent.
    mutating func get(_ key: UnsafeRawBufferPointer) throws -> Int?

    /// Positions a new cursor at the first key `>= key` and reads up to `nextCount` more
    /// entries. Returns whether the first entry's key equals `key`, and the entries read
    /// (including the first).
    mutating func seek(_ key: UnsafeRawBufferPointer, nextCount: Int) throws -> (exact: Bool, entries: Int)

    /// Reads every entry with `lowerBound <= key < upperBound` (a missing bound is open) in key
    /// order, calling `visit(key, valueLength)` for each.
    mutating func scan(
        lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, Int) -> Void
    ) throws

    /// Releases what the session holds (statements, cursors).
    mutating func finish()
}

extension BenchSession {
    mutating func finish() {}
}

/// Three-way comparison of byte strings in memcmp order.
@inline(__always)
func compareKeys(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0, let left = a.baseAddress, let right = b.baseAddress {
        let result = memcmp(left, right, common)
        if result != 0 { return result < 0 ? -1 : 1 }
    }
    return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
}
