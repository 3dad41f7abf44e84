import Glibc

/// RocksDB through `rocksdb/c.h`, loaded at run time.
///
/// Library search: `--rocksdb_lib`, then `$TERN_BENCH_ROCKSDB_LIB`, then
/// `.build-peers/rocksdb/lib/librocksdb.so` in the executable's directory or any parent (the
/// release build of `tools/build-peers`), then Debian's `librocksdb.so.7.8` (built with assertions
/// on: the summary says so).
///
/// Settings: RocksDB 7.8's defaults (`write_buffer_size` 64 MiB with `max_write_buffer_number`
/// 2, an 8 MiB LRU block cache, 4 KiB blocks, `max_background_jobs` 2, no statistics,
/// `verify_checksums` on reads) with the run's write buffer and cache sizes (those defaults unless
/// a flag sets them), plus a full Bloom filter of `--bloom_bits` (RocksDB has none by default)
/// and LZ4 (RocksDB's default is Snappy when built with it; the release build here has LZ4 only,
/// the codec RocksDB's tuning guide recommends). `--verify_checksums=false` turns verification off.
///
/// `@unchecked Sendable`: a `rocksdb_t` and its option objects are thread-safe for concurrent
/// reads and writes (RocksDB's documented contract); the Swift fields are immutable.
final class RocksDBEngine: BenchEngine, LevelDBFamilyEngine, @unchecked Sendable {
    private typealias GetPinned = @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, Int, CErrorOut
    ) -> OpaquePointer?
    private typealias PinnableValue = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>?
    private typealias CreateBloom = @convention(c) (Double) -> OpaquePointer?
    private typealias CreateCache = @convention(c) (Int) -> OpaquePointer?

    let api: LevelDBFamilyAPI
    private let getPinned: GetPinned
    private let pinnableValue: PinnableValue
    private let pinnableDestroy: LevelDBFamilyAPI.Destroy
    let database: OpaquePointer
    let options: OpaquePointer
    let writeOptions: OpaquePointer
    let syncWriteOptions: OpaquePointer
    let readOptions: OpaquePointer
    let settings: EngineSettings

    /// Where the RocksDB library is looked for, in order.
    static func libraryCandidates(_ explicit: String?) -> [String] {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        if let fromEnvironment = getenv("TERN_BENCH_ROCKSDB_LIB") { candidates.append(String(cString: fromEnvironment)) }
        candidates.append(contentsOf: FileTree.peerBuilds("rocksdb/lib/librocksdb.so"))
        candidates.append(contentsOf: ["librocksdb.so.7.8", "librocksdb.so"])
        return candidates
    }

    private init(directory: String, settings: EngineSettings) throws {
        let library = try DynamicLibrary(
            candidates: RocksDBEngine.libraryCandidates(settings.rocksDBLibrary), probeSymbol: "rocksdb_open")
        api = try LevelDBFamilyAPI(library: library, prefix: "rocksdb_")
        getPinned = try library.function("rocksdb_get_pinned")
        pinnableValue = try library.function("rocksdb_pinnableslice_value")
        pinnableDestroy = try library.function("rocksdb_pinnableslice_destroy")
        self.settings = settings

        let options = api.optionsCreate()!
        api.optionsSetCreateIfMissing(options, 1)
        api.optionsSetWriteBufferSize(options, settings.writeBufferBytes)
        api.optionsSetCompression(options, 4)  // rocksdb_lz4_compression

        let tableOptions: LevelDBFamilyAPI.Create = try library.function("rocksdb_block_based_options_create")
        let table = tableOptions()
        let setBlockSize: LevelDBFamilyAPI.SetSize = try library.function("rocksdb_block_based_options_set_block_size")
        setBlockSize(table, settings.blockSizeBytes)
        let createBloom: CreateBloom = try library.function("rocksdb_filterpolicy_create_bloom_full")
        let setFilter: LevelDBFamilyAPI.SetPointer = try library.function("rocksdb_block_based_options_set_filter_policy")
        setFilter(table, createBloom(Double(settings.bloomBitsPerKey)))
        let createCache: CreateCache = try library.function("rocksdb_cache_create_lru")
        let setCache: LevelDBFamilyAPI.SetPointer = try library.function("rocksdb_block_based_options_set_block_cache")
        setCache(table, createCache(settings.blockCacheBytes))
        let setTableFactory: LevelDBFamilyAPI.SetPointer = try library.function("rocksdb_options_set_block_based_table_factory")
        setTableFactory(options, table)

        self.options = options
        database = try api.openDatabase(options, directory)
        writeOptions = api.writeOptionsCreate()!
        syncWriteOptions = api.writeOptionsCreate()!
        api.writeOptionsSetSync(syncWriteOptions, 1)
        readOptions = api.readOptionsCreate()!
        api.readOptionsSetVerifyChecksums(readOptions, verifiesChecksums ? 1 : 0)
    }

    /// RocksDB's `ReadOptions::verify_checksums` defaults to true.
    var verifiesChecksums: Bool { settings.verifyChecksums ?? true }

    static func open(directory: String, settings: EngineSettings) throws -> RocksDBEngine {
        try RocksDBEngine(directory: directory, settings: settings)
    }

    /// Whether the library is Debian's (assertions on) rather than the release build.
    var isDebianBuild: Bool { api.library.path.hasPrefix("/usr/") || api.library.path.hasPrefix("/lib") }

    var configurationSummary: String {
        let build = isDebianBuild
            ? "FALLBACK Debian librocksdb (built with assertions on)"
            : "release build (tools/build-peers)"
        return "RocksDB \(api.library.path) [\(build)]: defaults (4 KiB blocks, 2 write buffers, "
            + "2 background jobs, no statistics) + LZ4, \(settings.bloomBitsPerKey)-bit full Bloom, "
            + "write_buffer \(settings.writeBufferBytes >> 20) MiB, LRU block cache \(settings.blockCacheBytes >> 20) MiB, "
            + "verify_checksums \(verifiesChecksums ? "on" : "off")\(settings.verifyChecksums == nil ? " (default)" : "")"
    }

    func makeSession() throws -> LevelDBFamilySession<RocksDBEngine> { LevelDBFamilySession(engine: self) }

    /// Flush and compaction output from `rocksdb.stats` ("Cumulative compaction: X GB write",
    /// which counts flushes as level-0 output), in RocksDB's 0.01 GB steps: an approximation
    /// (the statistics object would be exact but is off by default and costs every operation).
    func tableBytesWritten() -> Int? {
        guard let stats = api.property(database, "rocksdb.stats") else { return nil }
        let marker = "Cumulative compaction: "
        for line in stats.split(separator: "\n") where line.hasPrefix(marker) {
            let number = line.dropFirst(marker.count).prefix { $0 == "." || $0.isNumber }
            guard let gigabytes = Double(number) else { return nil }
            return Int(gigabytes * 1_073_741_824)
        }
        return nil
    }

    func close() throws { api.close(database) }

    func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        var error: UnsafeMutablePointer<CChar>?
        let pinned = getPinned(database, readOptions, key.charPointer, key.count, &error)
        try api.check(error, "get_pinned")
        guard let pinned else { return nil }
        defer { pinnableDestroy(pinned) }
        var length = 0
        _ = pinnableValue(pinned, &length)
        return length
    }
}
