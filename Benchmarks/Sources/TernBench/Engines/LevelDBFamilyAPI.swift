import Glibc

/// `char**` error out-parameter of the LevelDB and RocksDB C APIs.
typealias CErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

/// The part of the C API that RocksDB (`rocksdb/c.h`) inherited unchanged from LevelDB
/// (`leveldb/c.h`): the same functions and signatures under the prefixes `rocksdb_` and
/// `leveldb_`. Loaded with `dlsym`, so both drivers share it.
struct LevelDBFamilyAPI: @unchecked Sendable {
    typealias Create = @convention(c) () -> OpaquePointer?
    typealias Destroy = @convention(c) (OpaquePointer?) -> Void
    typealias SetFlag = @convention(c) (OpaquePointer?, UInt8) -> Void
    typealias SetSize = @convention(c) (OpaquePointer?, Int) -> Void
    typealias SetInt = @convention(c) (OpaquePointer?, Int32) -> Void
    typealias SetPointer = @convention(c) (OpaquePointer?, OpaquePointer?) -> Void
    typealias Open = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, CErrorOut) -> OpaquePointer?
    typealias Put = @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int, CErrorOut
    ) -> Void
    typealias CreateIterator = @convention(c) (OpaquePointer?, OpaquePointer?) -> OpaquePointer?
    typealias IteratorSeek = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> Void
    typealias IteratorValid = @convention(c) (OpaquePointer?) -> UInt8
    typealias IteratorBytes = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>?
    typealias IteratorError = @convention(c) (OpaquePointer?, CErrorOut) -> Void
    typealias Property = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void

    let library: DynamicLibrary
    let prefix: String

    let optionsCreate: Create
    let optionsSetCreateIfMissing: SetFlag
    let optionsSetWriteBufferSize: SetSize
    let optionsSetCompression: SetInt
    let open: Open
    let close: Destroy
    let writeOptionsCreate: Create
    let writeOptionsSetSync: SetFlag
    let readOptionsCreate: Create
    let readOptionsSetVerifyChecksums: SetFlag
    let put: Put
    let createIterator: CreateIterator
    let iteratorSeek: IteratorSeek
    let iteratorSeekToFirst: Destroy
    let iteratorValid: IteratorValid
    let iteratorNext: Destroy
    let iteratorKey: IteratorBytes
    let iteratorValue: IteratorBytes
    let iteratorError: IteratorError
    let iteratorDestroy: Destroy
    let propertyValue: Property
    let free: Free

    init(library: DynamicLibrary, prefix: String) throws {
        self.library = library
        self.prefix = prefix
        func load<T>(_ name: String) throws -> T { try library.function(prefix + name) }
        optionsCreate = try load("options_create")
        optionsSetCreateIfMissing = try load("options_set_create_if_missing")
        optionsSetWriteBufferSize = try load("options_set_write_buffer_size")
        optionsSetCompression = try load("options_set_compression")
        open = try load("open")
        close = try load("close")
        writeOptionsCreate = try load("writeoptions_create")
        writeOptionsSetSync = try load("writeoptions_set_sync")
        readOptionsCreate = try load("readoptions_create")
        readOptionsSetVerifyChecksums = try load("readoptions_set_verify_checksums")
        put = try load("put")
        createIterator = try load("create_iterator")
        iteratorSeek = try load("iter_seek")
        iteratorSeekToFirst = try load("iter_seek_to_first")
        iteratorValid = try load("iter_valid")
        iteratorNext = try load("iter_next")
        iteratorKey = try load("iter_key")
        iteratorValue = try load("iter_value")
        iteratorError = try load("iter_get_error")
        iteratorDestroy = try load("iter_destroy")
        propertyValue = try load("property_value")
        free = try load("free")
    }

    /// Throws (and frees) the message a call left in `error`.
    func check(_ error: UnsafeMutablePointer<CChar>?, _ what: String) throws {
        guard let error else { return }
        let message = String(cString: error)
        free(error)
        throw BenchError("\(prefix)\(what): \(message)")
    }

    /// Opens `directory` with `options`.
    func openDatabase(_ options: OpaquePointer?, _ directory: String) throws -> OpaquePointer {
        var error: UnsafeMutablePointer<CChar>?
        let database = directory.withCString { open(options, $0, &error) }
        try check(error, "open")
        guard let database else { throw BenchError("\(prefix)open returned no handle") }
        return database
    }

    /// A property of the database as text, or `nil` when the engine does not know it.
    func property(_ database: OpaquePointer, _ name: String) -> String? {
        guard let text = name.withCString({ propertyValue(database, $0) }) else { return nil }
        defer { free(text) }
        return String(cString: text)
    }

    // MARK: Cursor operations shared by both drivers

    func put(_ database: OpaquePointer, _ options: OpaquePointer, _ key: UnsafeRawBufferPointer,
             _ value: UnsafeRawBufferPointer) throws {
        var error: UnsafeMutablePointer<CChar>?
        put(database, options, key.charPointer, key.count, value.charPointer, value.count, &error)
        try check(error, "put")
    }

    func bytes(_ accessor: IteratorBytes, _ iterator: OpaquePointer?) -> UnsafeRawBufferPointer {
        var length = 0
        let base = accessor(iterator, &length)
        return UnsafeRawBufferPointer(start: base, count: length)
    }

    func seek(_ database: OpaquePointer, _ options: OpaquePointer, _ key: UnsafeRawBufferPointer,
              nextCount: Int, touchedBytes: inout Int) throws -> (exact: Bool, entries: Int) {
        let iterator = createIterator(database, options)
        defer { iteratorDestroy(iterator) }
        iteratorSeek(iterator, key.charPointer, key.count)
        guard iteratorValid(iterator) != 0 else {
            try checkIterator(iterator)
            return (false, 0)
        }
        let exact = compareKeys(bytes(iteratorKey, iterator), key) == 0
        touchedBytes &+= bytes(iteratorValue, iterator).count
        var entries = 1
        while entries <= nextCount {
            iteratorNext(iterator)
            guard iteratorValid(iterator) != 0 else { break }
            entries += 1
            touchedBytes &+= bytes(iteratorValue, iterator).count
        }
        try checkIterator(iterator)
        return (exact, entries)
    }

    func scan(_ database: OpaquePointer, _ options: OpaquePointer,
              lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
              _ visit: (UnsafeRawBufferPointer, Int) -> Void) throws {
        let iterator = createIterator(database, options)
        defer { iteratorDestroy(iterator) }
        if let lowerBound { iteratorSeek(iterator, lowerBound.charPointer, lowerBound.count) }
        else { iteratorSeekToFirst(iterator) }
        while iteratorValid(iterator) != 0 {
            let key = bytes(iteratorKey, iterator)
            if let upperBound, compareKeys(key, upperBound) >= 0 { break }
            visit(key, bytes(iteratorValue, iterator).count)
            iteratorNext(iterator)
        }
        try checkIterator(iterator)
    }

    private func checkIterator(_ iterator: OpaquePointer?) throws {
        var error: UnsafeMutablePointer<CChar>?
        iteratorError(iterator, &error)
        try check(error, "iterator")
    }
}

/// What a LevelDB or RocksDB engine shares with its worker threads: the handles the common API
/// takes, and its own point lookup (LevelDB copies the value, RocksDB pins it).
protocol LevelDBFamilyEngine: AnyObject {
    var api: LevelDBFamilyAPI { get }
    var database: OpaquePointer { get }
    var writeOptions: OpaquePointer { get }
    var syncWriteOptions: OpaquePointer { get }
    var readOptions: OpaquePointer { get }
    /// The length of the value stored under `key`, or `nil` when it is absent.
    func get(_ key: UnsafeRawBufferPointer) throws -> Int?
}

/// A worker thread's view of a LevelDB or RocksDB database: every call but `get` goes through
/// the shared API.
struct LevelDBFamilySession<Engine: LevelDBFamilyEngine>: BenchSession {
    let engine: Engine
    private(set) var touchedBytes = 0

    init(engine: Engine) { self.engine = engine }

    mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        try engine.api.put(engine.database, sync ? engine.syncWriteOptions : engine.writeOptions, key, value)
    }

    mutating func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        try engine.get(key)
    }

    mutating func seek(_ key: UnsafeRawBufferPointer, nextCount: Int) throws -> (exact: Bool, entries: Int) {
        try engine.api.seek(engine.database, engine.readOptions, key, nextCount: nextCount, touchedBytes: &touchedBytes)
    }

    mutating func scan(
        lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, Int) -> Void
    ) throws {
        try engine.api.scan(engine.database, engine.readOptions, lowerBound: lowerBound, upperBound: upperBound, visit)
    }
}
