/// The SQLite functions the item workloads need beyond `SQLiteAPI`'s (text, numbers, changes),
/// looked up in the library `SQLiteAPI` already loaded.
struct SQLiteItemAPI: @unchecked Sendable {
    typealias BindText = @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, Int32, OpaquePointer?) -> Int32
    typealias BindDouble = @convention(c) (OpaquePointer?, Int32, Double) -> Int32
    typealias BindInt64 = @convention(c) (OpaquePointer?, Int32, Int64) -> Int32
    typealias ColumnText = @convention(c) (OpaquePointer?, Int32) -> UnsafePointer<UInt8>?
    typealias ColumnDouble = @convention(c) (OpaquePointer?, Int32) -> Double
    typealias ColumnInt64 = @convention(c) (OpaquePointer?, Int32) -> Int64
    typealias ColumnType = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias Changes = @convention(c) (OpaquePointer?) -> Int32

    /// `SQLITE_NULL`, the column type of a NULL value.
    static let nullType: Int32 = 5
    /// `SQLITE_TRANSIENT`: SQLite copies a bound string before the call returns.
    static var transient: OpaquePointer? { OpaquePointer(bitPattern: -1) }

    let base: SQLiteAPI
    let bindText: BindText
    let bindDouble: BindDouble
    let bindInt64: BindInt64
    let columnText: ColumnText
    let columnDouble: ColumnDouble
    let columnInt64: ColumnInt64
    let columnType: ColumnType
    let changes: Changes

    init() throws {
        base = try SQLiteAPI()
        bindText = try base.library.function("sqlite3_bind_text")
        bindDouble = try base.library.function("sqlite3_bind_double")
        bindInt64 = try base.library.function("sqlite3_bind_int64")
        columnText = try base.library.function("sqlite3_column_text")
        columnDouble = try base.library.function("sqlite3_column_double")
        columnInt64 = try base.library.function("sqlite3_column_int64")
        columnType = try base.library.function("sqlite3_column_type")
        changes = try base.library.function("sqlite3_changes")
    }
}

/// A prepared statement on one connection: bound, stepped and reset for every use, finalized
/// by `finalize()`. Not thread-safe (one connection, one thread).
struct PreparedStatement {
    let api: SQLiteItemAPI
    let connection: OpaquePointer
    let handle: OpaquePointer
    let sql: String

    init(_ api: SQLiteItemAPI, _ connection: OpaquePointer, _ sql: String) throws {
        self.api = api
        self.connection = connection
        self.sql = sql
        handle = try api.base.statement(connection, sql)
    }

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = api.bindText(handle, index, UnsafeRawBufferPointer(bytes).charPointer, Int32(bytes.count), SQLiteItemAPI.transient)
        }
    }

    func bind(_ index: Int32, _ value: Int) { _ = api.bindInt64(handle, index, Int64(value)) }

    func bind(_ index: Int32, _ value: Double) { _ = api.bindDouble(handle, index, value) }

    /// Steps once: true for a row, false when done; throws on an error (after a reset).
    func step() throws -> Bool {
        let result = api.base.step(handle)
        if result == SQLiteAPI.row { return true }
        if result == SQLiteAPI.done { return false }
        let message = api.base.message(connection)
        _ = api.base.reset(handle)
        throw BenchError("sqlite3_step \(sql): \(message)")
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        if try step() { throw BenchError("\(sql): unexpected row") }
    }

    func reset() { _ = api.base.reset(handle) }

    func text(_ column: Int32) -> String {
        guard let bytes = api.columnText(handle, column) else { return "" }
        let count = Int(api.base.columnBytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func integer(_ column: Int32) -> Int { Int(api.columnInt64(handle, column)) }

    func double(_ column: Int32) -> Double { api.columnDouble(handle, column) }

    func isNull(_ column: Int32) -> Bool { api.columnType(handle, column) == SQLiteItemAPI.nullType }

    func finalize() { _ = api.base.finalize(handle) }
}
