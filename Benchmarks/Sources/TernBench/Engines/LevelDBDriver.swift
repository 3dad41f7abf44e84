import Glibc

/// LevelDB through `leveldb/c.h`, loaded at run time.
///
/// Library search: `--leveldb_lib`, then `$TERN_BENCH_LEVELDB_LIB`, then
/// `.build-peers/leveldb/lib/libleveldb.so` in the executable's directory or any parent (the
/// release build of `tools/build-peers`), then Debian's `libleveldb.so.1d` (the summary says
/// FALLBACK: Debian builds it without `-DNDEBUG`).
///
/// Settings: LevelDB's defaults (Snappy, 4 KiB blocks, 2 MiB tables, 1000 open files,
/// `verify_checksums` off on reads) with the run's `write_buffer_size` and LRU block cache
/// (LevelDB's own defaults, 4 MiB and 8 MiB, unless a flag sets them), plus a Bloom filter of
/// `--bloom_bits` (LevelDB has none by default and its documentation recommends one);
/// `--verify_checksums=true` turns checksum verification on.
///
/// `@unchecked Sendable`: a `leveldb_t` is safe for concurrent use (LevelDB's documented
/// contract); the Swift fields are immutable.
final class LevelDBEngine: BenchEngine, LevelDBFamilyEngine, @unchecked Sendable {
    private typealias Get = @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, Int, UnsafeMutablePointer<Int>?, CErrorOut
    ) -> UnsafeMutablePointer<CChar>?
    private typealias CreateBloom = @convention(c) (Int32) -> OpaquePointer?
    private typealias CreateCache = @convention(c) (Int) -> OpaquePointer?

    let api: LevelDBFamilyAPI
    private let getFunction: Get
    let database: OpaquePointer
    let writeOptions: OpaquePointer
    let syncWriteOptions: OpaquePointer
    let readOptions: OpaquePointer
    let settings: EngineSettings

    private init(directory: String, settings: EngineSettings) throws {
        let library = try DynamicLibrary(
            candidates: LevelDBEngine.libraryCandidates(settings.levelDBLibrary), probeSymbol: "leveldb_open")
        api = try LevelDBFamilyAPI(library: library, prefix: "leveldb_")
        getFunction = try library.function("leveldb_get")
        self.settings = settings

        let options = api.optionsCreate()!
        api.optionsSetCreateIfMissing(options, 1)
        api.optionsSetWriteBufferSize(options, settings.writeBufferBytes)
        api.optionsSetCompression(options, 1)  // leveldb_snappy_compression
        let setBlockSize: LevelDBFamilyAPI.SetSize = try library.function("leveldb_options_set_block_size")
        setBlockSize(options, settings.blockSizeBytes)
        let createBloom: CreateBloom = try library.function("leveldb_filterpolicy_create_bloom")
        let setFilter: LevelDBFamilyAPI.SetPointer = try library.function("leveldb_options_set_filter_policy")
        setFilter(options, createBloom(Int32(settings.bloomBitsPerKey)))
        let createCache: CreateCache = try library.function("leveldb_cache_create_lru")
        let setCache: LevelDBFamilyAPI.SetPointer = try library.function("leveldb_options_set_cache")
        setCache(options, createCache(settings.blockCacheBytes))

        database = try api.openDatabase(options, directory)
        writeOptions = api.writeOptionsCreate()!
        syncWriteOptions = api.writeOptionsCreate()!
        api.writeOptionsSetSync(syncWriteOptions, 1)
        readOptions = api.readOptionsCreate()!
        api.readOptionsSetVerifyChecksums(readOptions, verifiesChecksums ? 1 : 0)
    }

    /// LevelDB's `ReadOptions::verify_checksums` defaults to false.
    var verifiesChecksums: Bool { settings.verifyChecksums ?? false }

    /// Where the LevelDB library is looked for, in order.
    static func libraryCandidates(_ explicit: String?) -> [String] {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        if let fromEnvironment = getenv("TERN_BENCH_LEVELDB_LIB") { candidates.append(String(cString: fromEnvironment)) }
        candidates.append(contentsOf: FileTree.peerBuilds("leveldb/lib/libleveldb.so"))
        candidates.append(contentsOf: ["libleveldb.so.1d", "libleveldb.so"])
        return candidates
    }

    /// Whether the library is Debian's package rather than the release build.
    var isDebianBuild: Bool { api.library.path.hasPrefix("/usr/") || api.library.path.hasPrefix("/lib") }

    static func open(directory: String, settings: EngineSettings) throws -> LevelDBEngine {
        try LevelDBEngine(directory: directory, settings: settings)
    }

    var configurationSummary: String {
        let build = isDebianBuild
            ? "FALLBACK Debian libleveldb1d (not built with -DNDEBUG)"
            : "release build (tools/build-peers)"
        return "LevelDB \(api.library.path) [\(build)]: defaults (Snappy, 4 KiB blocks, 2 MiB tables) + "
            + "\(settings.bloomBitsPerKey)-bit Bloom, write_buffer \(settings.writeBufferBytes >> 20) MiB, "
            + "LRU block cache \(settings.blockCacheBytes >> 20) MiB, "
            + "verify_checksums \(verifiesChecksums ? "on" : "off")\(settings.verifyChecksums == nil ? " (default)" : "")"
    }

    func makeSession() throws -> LevelDBFamilySession<LevelDBEngine> { LevelDBFamilySession(engine: self) }

    /// The sum of the "Write(MB)" column of `leveldb.stats` (flushes and compactions), in whole
    /// MiB as LevelDB prints it: an approximation.
    func tableBytesWritten() -> Int? {
        guard let stats = api.property(database, "leveldb.stats") else { return nil }
        // Rows of levels that saw work: level, files, size MB, time s, read MB, write MB. No row
        // means nothing was flushed yet.
        var megabytes = 0.0
        for line in stats.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 6, Int(fields[0]) != nil, let written = Double(fields[5]) else { continue }
            megabytes += written
        }
        return Int(megabytes * 1_048_576)
    }

    func close() throws { api.close(database) }

    func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        var error: UnsafeMutablePointer<CChar>?
        var length = 0
        let value = getFunction(database, readOptions, key.charPointer, key.count, &length, &error)
        try api.check(error, "get")
        guard let value else { return nil }
        api.free(value)
        return length
    }
}
