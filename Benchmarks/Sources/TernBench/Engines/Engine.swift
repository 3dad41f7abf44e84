import Glibc

/// The engines tern-bench can drive. `null` does nothing and answers what a correct engine
/// would: it measures the harness's own cost per operation (key generation, timing, checks).
enum EngineKind: String, CaseIterable, Codable, Sendable {
    case tern, rocksdb, leveldb, sqlite, null

    /// The log-structured peers the engine goals compare Tern with.
    var isLSMPeer: Bool { self == .rocksdb || self == .leveldb }
}

/// A memory budget: memtable (write buffer) bytes and block-cache bytes, and where it comes
/// from (printed beside every row, so no comparison hides a difference in memory).
struct MemoryBudget: Sendable, Codable, Hashable {
    var writeBufferBytes: Int
    var blockCacheBytes: Int
    /// Why these numbers: "LevelDB's defaults", "--write_buffer_size/--cache_size", ...
    var source: String

    /// "4 MiB memtable + 8 MiB cache".
    var summary: String {
        "\(MemoryBudget.mebibytes(writeBufferBytes)) memtable + \(MemoryBudget.mebibytes(blockCacheBytes)) cache"
    }

    /// The two sizes alone ("4+8 MiB"), for narrow table cells.
    var shortSummary: String {
        "\(MemoryBudget.mebibytesNumber(writeBufferBytes))+\(MemoryBudget.mebibytesNumber(blockCacheBytes)) MiB"
    }

    private static func mebibytesNumber(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? String(bytes >> 20) : formatFixed(Double(bytes) / 1_048_576, 1)
    }

    private static func mebibytes(_ bytes: Int) -> String { mebibytesNumber(bytes) + " MiB" }

    /// LevelDB 1.23's defaults: `write_buffer_size` 4 MiB, an 8 MiB LRU block cache.
    static let levelDBDefault = MemoryBudget(writeBufferBytes: 4 << 20, blockCacheBytes: 8 << 20, source: "LevelDB's defaults")
    /// RocksDB 7.8's defaults: `write_buffer_size` 64 MiB (two may exist: one flushing), an 8 MiB
    /// LRU block cache.
    static let rocksDBDefault = MemoryBudget(writeBufferBytes: 64 << 20, blockCacheBytes: 8 << 20, source: "RocksDB's defaults")

    /// The budget an engine runs at when no `--write_buffer_size`/`--cache_size` is given. Tern
    /// and SQLite have no peer-defined budget: Tern runs at each LSM peer's (see `EngineRun.plan`)
    /// or, alone, at its own `StoreOptions` defaults; SQLite's page cache gets LevelDB's total.
    static func ownDefault(_ kind: EngineKind) -> MemoryBudget {
        switch kind {
        case .leveldb, .null: return levelDBDefault
        case .rocksdb: return rocksDBDefault
        case .sqlite:
            return MemoryBudget(
                writeBufferBytes: levelDBDefault.writeBufferBytes, blockCacheBytes: levelDBDefault.blockCacheBytes,
                source: "LevelDB's total, as page cache")
        case .tern:
            return MemoryBudget(writeBufferBytes: 8 << 20, blockCacheBytes: 32 << 20, source: "Tern's StoreOptions defaults")
        }
    }
}

/// One child process of a run: an engine at a memory budget, under a label that tells two runs
/// of one engine apart (`tern@leveldb`: Tern at LevelDB's budget).
struct EngineRun: Sendable, Codable, Hashable {
    var kind: EngineKind
    var label: String
    var budget: MemoryBudget
    /// For Tern: the peer whose budget it runs at (its ratios are taken against that peer).
    var budgetOf: EngineKind?

    /// The runs for `engines`. With an explicit budget every engine runs once at it. Otherwise
    /// each peer runs at its own defaults and Tern once per distinct LSM-peer budget (at
    /// LevelDB's when no LSM peer is listed but SQLite is, at its own defaults when alone), so
    /// that each ratio compares equal memory.
    static func plan(_ engines: [EngineKind], explicit: MemoryBudget?) -> [EngineRun] {
        var runs: [EngineRun] = []
        for kind in engines {
            if let explicit {
                runs.append(EngineRun(kind: kind, label: kind.rawValue, budget: explicit, budgetOf: nil))
                continue
            }
            guard kind == .tern else {
                runs.append(EngineRun(kind: kind, label: kind.rawValue, budget: MemoryBudget.ownDefault(kind), budgetOf: nil))
                continue
            }
            var peers = engines.filter(\.isLSMPeer)
            if peers.isEmpty && engines.contains(.sqlite) { peers = [.leveldb] }
            if peers.isEmpty {
                runs.append(EngineRun(kind: .tern, label: "tern", budget: MemoryBudget.ownDefault(.tern), budgetOf: nil))
                continue
            }
            var seen: Set<EngineKind> = []
            for peer in peers where seen.insert(peer).inserted {
                let budget = MemoryBudget.ownDefault(peer)
                runs.append(EngineRun(
                    kind: .tern, label: peers.count == 1 ? "tern" : "tern@\(peer.rawValue)",
                    budget: MemoryBudget(
                        writeBufferBytes: budget.writeBufferBytes, blockCacheBytes: budget.blockCacheBytes,
                        source: "\(budget.source) (\(peer.rawValue)'s budget)"),
                    budgetOf: peer))
            }
        }
        return runs
    }
}

/// Settings every engine gets, chosen to be comparable (printed with every run).
struct EngineSettings: Sendable, Codable {
    /// Memtable / write buffer budget (SQLite: added to its page cache).
    var writeBufferBytes: Int
    /// Block cache budget (SQLite: added to its page cache).
    var blockCacheBytes: Int
    var blockSizeBytes = 4096
    /// Bloom filter bits per key for every LSM (neither peer has a filter by default; their
    /// documentation recommends one, and a lookup without it reads a block per level).
    var bloomBitsPerKey = 10
    /// Whether the peers verify block checksums on reads: `nil` keeps each peer's default
    /// (LevelDB off, RocksDB on). Tern always verifies.
    var verifyChecksums: Bool?
    /// Path of a RocksDB shared library to prefer over the search (see `RocksDBEngine`).
    var rocksDBLibrary: String?
    /// Path of a LevelDB shared library to prefer over the search (see `LevelDBEngine`).
    var levelDBLibrary: String?
    /// The workload's shape, which only the `null` engine needs (to answer as an engine holding
    /// every key would).
    var keyCount = 0
    var keySize = 16
    var valueSize = 100
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
