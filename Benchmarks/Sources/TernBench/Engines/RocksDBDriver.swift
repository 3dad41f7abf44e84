import Glibc

/// RocksDB through `rocksdb/c.h`, loaded at run time.
///
/// Library search: `--rocksdb_lib`, then `$TERN_BENCH_ROCKSDB_LIB`, then
/// `.build-peers/rocksdb/lib/librocksdb.so` in the executable's directory or any parent (the
/// release build of `tools/build-peers`), then Debian's `librocksdb.so.7.8` (built with assertions
/// on: the summary says so).
///
/// Settings: LZ4, a 10-bit full Bloom filter, 4 KiB blocks and an LRU block cache in the
/// block-based table options; `write_buffer_size` = the shared memtable budget with
/// `max_write_buffer_number` 2 (one active and one being flushed, as in Tern and LevelDB);
/// `max_background_jobs` 2 (the machine's cores); statistics on, for write amplification.
///
/// `@unchecked Sendable`: a `rocksdb_t` and its option objects are thread-safe for concurrent
/// reads and writes (RocksDB's documented contract); the Swift fields are immutable.
final class RocksDBEngine: BenchEngine, LevelDBFamilyEngine, @unchecked Sendable {
    private typealias GetPinned = @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, Int, CErrorOut
    ) -> OpaquePointer?
    private typealias PinnableValue = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>?
    private typealias StatisticsString = @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    private typealias CreateBloom = @convention(c) (Double) -> OpaquePointer?
    private typealias CreateCache = @convention(c) (Int) -> OpaquePointer?

    let api: LevelDBFamilyAPI
    private let getPinned: GetPinned
    private let pinnableValue: PinnableValue
    private let pinnableDestroy: LevelDBFamilyAPI.Destroy
    private let statisticsString: StatisticsString
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
        var directory = ProcessMetrics.executablePath()
        while let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            directory = String(directory[..<slash])
            let candidate = directory + "/.build-peers/rocksdb/lib/librocksdb.so"
            if FileTree.exists(candidate) { candidates.append(candidate) }
        }
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
        statisticsString = try library.function("rocksdb_options_statistics_get_string")
        self.settings = settings

        let options = api.optionsCreate()!
        api.optionsSetCreateIfMissing(options, 1)
        api.optionsSetWriteBufferSize(options, settings.writeBufferBytes)
        api.optionsSetCompression(options, 4)  // rocksdb_lz4_compression
        let setMaxWriteBufferNumber: LevelDBFamilyAPI.SetInt = try library.function("rocksdb_options_set_max_write_buffer_number")
        setMaxWriteBufferNumber(options, 2)
        let setBackgroundJobs: LevelDBFamilyAPI.SetInt = try library.function("rocksdb_options_set_max_background_jobs")
        setBackgroundJobs(options, 2)
        let enableStatistics: LevelDBFamilyAPI.Destroy = try library.function("rocksdb_options_enable_statistics")
        enableStatistics(options)

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
        api.readOptionsSetVerifyChecksums(readOptions, 1)
    }

    static func open(directory: String, settings: EngineSettings) throws -> RocksDBEngine {
        try RocksDBEngine(directory: directory, settings: settings)
    }

    /// Whether the library is Debian's (assertions on) rather than the release build.
    var isDebianBuild: Bool { api.library.path.hasPrefix("/usr/") || api.library.path.hasPrefix("/lib") }

    var configurationSummary: String {
        let build = isDebianBuild
            ? "FALLBACK Debian librocksdb (built with assertions on)"
            : "release build (tools/build-peers)"
        return "RocksDB \(api.library.path) [\(build)]: LZ4, \(settings.bloomBitsPerKey)-bit full Bloom, "
            + "write_buffer \(settings.writeBufferBytes >> 20) MiB x2, LRU block cache "
            + "\(settings.blockCacheBytes >> 20) MiB, \(settings.blockSizeBytes)-byte blocks, 2 background jobs"
    }

    func makeSession() throws -> LevelDBFamilySession<RocksDBEngine> { LevelDBFamilySession(engine: self) }

    /// `rocksdb.flush.write.bytes + rocksdb.compact.write.bytes` from the statistics object.
    func tableBytesWritten() -> Int? {
        guard let text = statisticsString(options) else { return nil }
        defer { api.free(text) }
        let statistics = String(cString: text)
        func counter(_ name: String) -> Int? {
            for line in statistics.split(separator: "\n") where line.hasPrefix(name + " COUNT : ") {
                return Int(line.dropFirst(name.count + 9).prefix { $0.isNumber })
            }
            return nil
        }
        guard let flushed = counter("rocksdb.flush.write.bytes"),
              let compacted = counter("rocksdb.compact.write.bytes") else { return nil }
        return flushed + compacted
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
