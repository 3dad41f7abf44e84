import Glibc

/// The SQLite C functions tern-bench uses, loaded from Debian's `libsqlite3.so.0`.
struct SQLiteAPI: @unchecked Sendable {
    typealias OpenV2 = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?, Int32, UnsafePointer<CChar>?
    ) -> Int32
    typealias Close = @convention(c) (OpaquePointer?) -> Int32
    typealias Exec = @convention(c) (
        OpaquePointer?, UnsafePointer<CChar>?, OpaquePointer?, UnsafeMutableRawPointer?, CErrorOut
    ) -> Int32
    typealias Prepare = @convention(c) (
        OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<OpaquePointer?>?,
        UnsafeMutablePointer<UnsafePointer<CChar>?>?
    ) -> Int32
    typealias BindBlob = @convention(c) (OpaquePointer?, Int32, UnsafeRawPointer?, Int32, OpaquePointer?) -> Int32
    typealias BindInt = @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    typealias ColumnBlob = @convention(c) (OpaquePointer?, Int32) -> UnsafeRawPointer?
    typealias ColumnBytes = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias ErrorMessage = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias BusyTimeout = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias Version = @convention(c) () -> UnsafePointer<CChar>?

    static let ok: Int32 = 0
    static let row: Int32 = 100
    static let done: Int32 = 101

    let library: DynamicLibrary
    let openV2: OpenV2
    let close: Close
    let exec: Exec
    let prepare: Prepare
    let bindBlob: BindBlob
    let bindInt: BindInt
    let step: Close
    let reset: Close
    let finalize: Close
    let columnBlob: ColumnBlob
    let columnBytes: ColumnBytes
    let errorMessage: ErrorMessage
    let busyTimeout: BusyTimeout
    let free: Free
    let version: String

    init() throws {
        library = try DynamicLibrary(candidates: ["libsqlite3.so.0", "libsqlite3.so"], probeSymbol: "sqlite3_open_v2")
        openV2 = try library.function("sqlite3_open_v2")
        close = try library.function("sqlite3_close_v2")
        exec = try library.function("sqlite3_exec")
        prepare = try library.function("sqlite3_prepare_v2")
        bindBlob = try library.function("sqlite3_bind_blob")
        bindInt = try library.function("sqlite3_bind_int")
        step = try library.function("sqlite3_step")
        reset = try library.function("sqlite3_reset")
        finalize = try library.function("sqlite3_finalize")
        columnBlob = try library.function("sqlite3_column_blob")
        columnBytes = try library.function("sqlite3_column_bytes")
        errorMessage = try library.function("sqlite3_errmsg")
        busyTimeout = try library.function("sqlite3_busy_timeout")
        free = try library.function("sqlite3_free")
        let versionFunction: Version = try library.function("sqlite3_libversion")
        version = versionFunction().map { String(cString: $0) } ?? "?"
    }

    func message(_ connection: OpaquePointer?) -> String {
        errorMessage(connection).map { String(cString: $0) } ?? "unknown error"
    }

    /// Opens a connection (no mutex: each is confined to one thread) with a busy timeout, so
    /// concurrent writers wait for the lock instead of failing.
    func connect(_ path: String) throws -> OpaquePointer {
        var connection: OpaquePointer?
        let flags: Int32 = 0x2 | 0x4 | 0x8000  // READWRITE | CREATE | NOMUTEX
        let result = path.withCString { openV2($0, &connection, flags, nil) }
        guard result == SQLiteAPI.ok, let connection else {
            let text = message(connection)
            _ = close(connection)
            throw BenchError("sqlite3_open_v2 \(path): \(text)")
        }
        _ = busyTimeout(connection, 60_000)
        return connection
    }

    func execute(_ connection: OpaquePointer, _ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let result = sql.withCString { exec(connection, $0, nil, nil, &error) }
        if result != SQLiteAPI.ok {
            let text = error.map { String(cString: $0) } ?? message(connection)
            free(error)
            throw BenchError("sqlite3_exec \(sql): \(text)")
        }
    }

    func statement(_ connection: OpaquePointer, _ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let result = sql.withCString { prepare(connection, $0, -1, &statement, nil) }
        guard result == SQLiteAPI.ok, let statement else {
            throw BenchError("sqlite3_prepare_v2 \(sql): \(message(connection))")
        }
        return statement
    }
}

/// SQLite as a key-value store: one `WITHOUT ROWID` table `kv(k BLOB PRIMARY KEY, v BLOB)` in WAL
/// mode, one connection per thread, one prepared statement per operation kind (bound and reset
/// for every operation), each write its own transaction. `synchronous=FULL` for synced writes
/// (fillsync), `NORMAL` otherwise (the usual WAL setting: durable to a process crash, not to a
/// power cut, like the other engines' unsynced writes). Page cache: memtable + block cache
/// budgets, per connection.
///
/// `@unchecked Sendable`: `mainConnection` is used only by the coordinating thread (worker
/// threads open connections of their own in `makeSession`); everything else is immutable.
final class SQLiteEngine: BenchEngine, @unchecked Sendable {
    let api: SQLiteAPI
    let path: String
    let settings: EngineSettings
    /// Holds the schema and keeps the database open between workloads. Used only by the
    /// coordinating thread.
    private let mainConnection: OpaquePointer

    private init(directory: String, settings: EngineSettings) throws {
        api = try SQLiteAPI()
        try FileTree.makeDirectories(directory)
        path = directory + "/kv.sqlite"
        self.settings = settings
        mainConnection = try api.connect(path)
        try api.execute(mainConnection, "PRAGMA journal_mode=WAL")
        try api.execute(mainConnection, "CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
    }

    static func open(directory: String, settings: EngineSettings) throws -> SQLiteEngine {
        try SQLiteEngine(directory: directory, settings: settings)
    }

    var cacheKibibytes: Int { (settings.writeBufferBytes + settings.blockCacheBytes) >> 10 }

    var configurationSummary: String {
        "SQLite \(api.version) \(api.library.path): WAL, WITHOUT ROWID, synchronous=NORMAL "
            + "(FULL for fillsync), cache_size \(cacheKibibytes >> 10) MiB per connection, "
            + "one connection per thread, one transaction per write"
    }

    func makeSession() throws -> SQLiteSession { try SQLiteSession(engine: self) }

    func tableBytesWritten() -> Int? { nil }

    func close() throws {
        if api.close(mainConnection) != SQLiteAPI.ok { throw BenchError("sqlite3_close_v2 failed") }
    }
}

/// One connection and its prepared statements.
struct SQLiteSession: BenchSession {
    private let api: SQLiteAPI
    private let connection: OpaquePointer
    private var synchronousFull: Bool?
    private var putStatement: OpaquePointer?
    private var getStatement: OpaquePointer?
    private var seekStatement: OpaquePointer?
    private(set) var touchedBytes = 0

    init(engine: SQLiteEngine) throws {
        api = engine.api
        connection = try api.connect(engine.path)
        try api.execute(connection, "PRAGMA cache_size=-\(engine.cacheKibibytes)")
    }

    private func run(_ statement: OpaquePointer, _ what: String) throws {
        let result = api.step(statement)
        _ = api.reset(statement)
        guard result == SQLiteAPI.done else { throw BenchError("sqlite3_step \(what): \(api.message(connection))") }
    }

    mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        if synchronousFull != sync {
            try api.execute(connection, sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
            synchronousFull = sync
        }
        if putStatement == nil {
            putStatement = try api.statement(connection, "INSERT OR REPLACE INTO kv(k, v) VALUES(?1, ?2)")
        }
        _ = api.bindBlob(putStatement, 1, key.baseAddress, Int32(key.count), nil)
        _ = api.bindBlob(putStatement, 2, value.baseAddress, Int32(value.count), nil)
        try run(putStatement!, "put")
    }

    mutating func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        if getStatement == nil { getStatement = try api.statement(connection, "SELECT v FROM kv WHERE k = ?1") }
        _ = api.bindBlob(getStatement, 1, key.baseAddress, Int32(key.count), nil)
        defer { _ = api.reset(getStatement) }
        switch api.step(getStatement) {
        case SQLiteAPI.row:
            _ = api.columnBlob(getStatement, 0)
            return Int(api.columnBytes(getStatement, 0))
        case SQLiteAPI.done:
            return nil
        default:
            throw BenchError("sqlite3_step get: \(api.message(connection))")
        }
    }

    mutating func seek(_ key: UnsafeRawBufferPointer, nextCount: Int) throws -> (exact: Bool, entries: Int) {
        if seekStatement == nil {
            seekStatement = try api.statement(connection, "SELECT k, v FROM kv WHERE k >= ?1 ORDER BY k LIMIT ?2")
        }
        _ = api.bindBlob(seekStatement, 1, key.baseAddress, Int32(key.count), nil)
        _ = api.bindInt(seekStatement, 2, Int32(nextCount + 1))
        defer { _ = api.reset(seekStatement) }
        var exact = false
        var entries = 0
        while true {
            let result = api.step(seekStatement)
            if result == SQLiteAPI.done { break }
            guard result == SQLiteAPI.row else { throw BenchError("sqlite3_step seek: \(api.message(connection))") }
            if entries == 0 {
                let found = UnsafeRawBufferPointer(
                    start: api.columnBlob(seekStatement, 0), count: Int(api.columnBytes(seekStatement, 0)))
                exact = compareKeys(found, key) == 0
            }
            _ = api.columnBlob(seekStatement, 1)
            touchedBytes &+= Int(api.columnBytes(seekStatement, 1))
            entries += 1
        }
        return (exact, entries)
    }

    mutating func scan(
        lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, Int) -> Void
    ) throws {
        var sql = "SELECT k, v FROM kv"
        if lowerBound != nil && upperBound != nil { sql += " WHERE k >= ?1 AND k < ?2" }
        else if lowerBound != nil { sql += " WHERE k >= ?1" }
        else if upperBound != nil { sql += " WHERE k < ?2" }
        let statement = try api.statement(connection, sql + " ORDER BY k")
        defer { _ = api.finalize(statement) }
        if let lowerBound { _ = api.bindBlob(statement, 1, lowerBound.baseAddress, Int32(lowerBound.count), nil) }
        if let upperBound { _ = api.bindBlob(statement, 2, upperBound.baseAddress, Int32(upperBound.count), nil) }
        while true {
            let result = api.step(statement)
            if result == SQLiteAPI.done { break }
            guard result == SQLiteAPI.row else { throw BenchError("sqlite3_step scan: \(api.message(connection))") }
            let key = UnsafeRawBufferPointer(start: api.columnBlob(statement, 0), count: Int(api.columnBytes(statement, 0)))
            _ = api.columnBlob(statement, 1)
            visit(key, Int(api.columnBytes(statement, 1)))
        }
    }

    mutating func finish() {
        for statement in [putStatement, getStatement, seekStatement] where statement != nil {
            _ = api.finalize(statement)
        }
        putStatement = nil
        getStatement = nil
        seekStatement = nil
        _ = api.close(connection)
    }
}
