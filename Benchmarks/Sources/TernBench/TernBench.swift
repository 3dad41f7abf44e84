import ArgumentParser
import Glibc

/// The executable's entry: `tern-bench tables ...` runs the item workloads, `tern-bench async ...`
/// synced writes from threads beside tasks, `tern-bench http ...` the node over HTTP,
/// `tern-bench json ...` DynamoDB JSON codecs, `tern-bench history ...` restore and archive
/// costs, anything else the engine comparison. (Not ArgumentParser subcommands: the commands
/// share option names such as `--db` and `--engine`, which ArgumentParser would hand to the
/// parent command.)
@main
enum TernBenchMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "tables" {
            TablesCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "async" {
            AsyncCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "http" {
            HTTPCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "json" {
            JSONCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "history" {
            HistoryCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "replication" {
            ReplicationCommand.main(Array(arguments.dropFirst()))
        } else {
            TernBench.main(arguments)
        }
    }
}

struct TernBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench",
        abstract: "db_bench-style benchmarks of Tern beside RocksDB, LevelDB and SQLite.",
        discussion: """
            Workloads (db_bench meanings; keys are --key_size-byte zero-padded decimals, values \
            compress to about --compression_ratio):
              fillseq      --num puts in key order, new database
              fillrandom   --num puts of a random permutation (all keys), new database
              overwrite    --num puts of random existing keys
              readrandom   --num gets of random existing keys (all must be found)
              readmissing  --num gets of absent keys (key + '.': between two keys)
              seekrandom   --num seeks of a new cursor to a random key, then 10 nexts
              readseq      one ordered pass over all keys
              fillsync     --num/100 synced puts of a random permutation, new database

            Append @N to run one workload with N threads (e.g. fillsync@8). Threads are OS \
            threads; each takes a contiguous share of the operations.

            Every engine runs in a child process of its own (tern-bench re-executes itself), so \
            peak RSS is per engine (and reset per workload). Reads are checked (found, absent, \
            entries counted); a failed check is marked in the tables and left out of the ratios.

            Peers are loaded at run time with dlopen: RocksDB from --rocksdb_lib, \
            $TERN_BENCH_ROCKSDB_LIB, .build-peers/rocksdb/lib (tools/build-peers) or Debian's \
            librocksdb; LevelDB likewise (--leveldb_lib, $TERN_BENCH_LEVELDB_LIB, \
            .build-peers/leveldb/lib, Debian's libleveldb1d); SQLite from Debian's package.

            Each peer runs at its own default options (LevelDB: 4 MiB write buffer, 8 MiB cache, \
            verify_checksums off; RocksDB: 64 MiB write buffer, 8 MiB cache, verify_checksums \
            on), plus a Bloom filter (--bloom_bits) and, for RocksDB, LZ4. Tern runs once at \
            each LSM peer's memory budget, so every ratio compares equal memory. \
            --write_buffer_size/--cache_size set one budget for every engine instead. Tern \
            always verifies block checksums; --verify_checksums=true|false sets the peers'. \
            The null engine stores nothing: its figures are the harness's own cost per operation.

            'tern-bench tables [options]' runs the item workloads instead: Tern's table layer \
            beside SQLite (see 'tern-bench tables --help').
            """)

    @Option(name: .customLong("benchmarks"), help: "Comma-separated workloads, in order.")
    var benchmarks = "fillseq,fillrandom,overwrite,readrandom,readmissing,seekrandom,readseq,fillsync"

    @Option(name: .customLong("num"), help: "Number of keys (and of operations per workload).")
    var num = 1_000_000

    @Option(name: .customLong("key_size"), help: "Key size in bytes.")
    var keySize = 16

    @Option(name: .customLong("value_size"), help: "Value size in bytes.")
    var valueSize = 100

    @Option(name: .customLong("compression_ratio"), help: "Target compressed/original size of values.")
    var compressionRatio = 0.5

    @Option(name: .customLong("threads"), help: "Threads per workload (unless overridden with @N).")
    var threads = 1

    @Option(name: .customLong("engine"), help: "One engine: tern, rocksdb, leveldb, sqlite or null.")
    var engine: String?

    @Option(name: .customLong("engines"), help: "Several engines side by side, e.g. tern,rocksdb,leveldb,sqlite,null.")
    var engines: String?

    @Option(name: .customLong("db"), help: "Directory for the databases (one subdirectory per engine).")
    var databaseRoot = "/tmp/tern-bench"

    @Option(name: .customLong("json"), help: "Write the full report as JSON to this file.")
    var jsonPath: String?

    @Option(name: .customLong("write_buffer_size"), help: "Memtable budget in bytes for every engine (default: each peer's own, Tern at each peer's).")
    var writeBufferBytes: Int?

    @Option(name: .customLong("cache_size"), help: "Block cache budget in bytes for every engine (SQLite adds it to its page cache; default: each peer's own).")
    var blockCacheBytes: Int?

    @Option(name: .customLong("bloom_bits"), help: "Bloom filter bits per key, every LSM.")
    var bloomBits = 10

    @Option(name: .customLong("verify_checksums"), help: "Peers verify block checksums on reads: true or false (default: each peer's own; Tern always verifies).")
    var verifyChecksums: Bool?

    @Option(name: .customLong("rocksdb_lib"), help: "Path of librocksdb.so to load first.")
    var rocksDBLibrary: String?

    @Option(name: .customLong("leveldb_lib"), help: "Path of libleveldb.so to load first.")
    var levelDBLibrary: String?

    @Flag(name: .customLong("callgrind"), help: "Run every engine under valgrind --tool=callgrind and report instructions per operation (slow: use --num=100000 or so; wall-clock figures of such a run are meaningless).")
    var callgrind = false

    @Option(name: .customLong("label"), help: .hidden)
    var label: String?

    @Option(name: .customLong("seed"), help: "Seed of keys, values and permutations.")
    var seed: UInt64 = 301

    @Flag(name: .customLong("keep_db"), help: "Keep the databases after the run.")
    var keepDatabase = false

    @Option(name: .customLong("child_report"), help: .hidden)
    var childReport: String?

    func validate() throws {
        guard num >= 1 else { throw ValidationError("--num must be at least 1") }
        guard num <= Int(Int32.max) else { throw ValidationError("--num must fit in 31 bits") }
        guard (1...128).contains(keySize) else { throw ValidationError("--key_size must be 1...128") }
        guard (1...(1 << 20)).contains(valueSize) else { throw ValidationError("--value_size must be 1...1048576") }
        guard compressionRatio > 0 && compressionRatio <= 1 else { throw ValidationError("--compression_ratio must be in (0, 1]") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        guard engine == nil || engines == nil else { throw ValidationError("give --engine or --engines, not both") }
        guard writeBufferBytes.map({ $0 >= 1 << 16 }) ?? true else { throw ValidationError("--write_buffer_size must be at least 65536") }
        guard (blockCacheBytes ?? 0) >= 0 else { throw ValidationError("--cache_size must not be negative") }
        guard (0...64).contains(bloomBits) else { throw ValidationError("--bloom_bits must be 0...64") }
        _ = try engineKinds()
        _ = try workloadSpecs()
    }

    func engineKinds() throws -> [EngineKind] {
        let names = (engines ?? engine ?? "tern").split(separator: ",").map { $0.trimmingCharacters() }
        return try names.map { name in
            guard let kind = EngineKind(rawValue: name) else {
                throw ValidationError("unknown engine '\(name)' (known: tern, rocksdb, leveldb, sqlite, null)")
            }
            return kind
        }
    }

    func workloadSpecs() throws -> [WorkloadSpec] {
        do {
            return try benchmarks.split(separator: ",").map { try WorkloadSpec.parse($0, defaultThreads: threads) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The budget the flags set for every engine, or `nil` when each runs at its own.
    var explicitBudget: MemoryBudget? {
        guard writeBufferBytes != nil || blockCacheBytes != nil else { return nil }
        return MemoryBudget(
            writeBufferBytes: writeBufferBytes ?? MemoryBudget.levelDBDefault.writeBufferBytes,
            blockCacheBytes: blockCacheBytes ?? MemoryBudget.levelDBDefault.blockCacheBytes,
            source: "--write_buffer_size/--cache_size")
    }

    func makeConfiguration() throws -> BenchmarkConfiguration {
        let budget = explicitBudget ?? MemoryBudget.levelDBDefault
        return BenchmarkConfiguration(
            num: num, keySize: keySize, valueSize: valueSize, compressionRatio: compressionRatio,
            specs: try workloadSpecs(),
            settings: EngineSettings(
                writeBufferBytes: budget.writeBufferBytes, blockCacheBytes: budget.blockCacheBytes,
                bloomBitsPerKey: bloomBits, verifyChecksums: verifyChecksums,
                rocksDBLibrary: rocksDBLibrary, levelDBLibrary: levelDBLibrary,
                keyCount: num, keySize: keySize, valueSize: valueSize),
            databaseRoot: databaseRoot, seed: seed, keepDatabase: keepDatabase)
    }

    mutating func run() throws {
        let configuration = try makeConfiguration()
        if let childReport {
            // Child: exactly one engine, in this process, at the budget the parent passed.
            let kind = try engineKinds()[0]
            let run = EngineRun(
                kind: kind, label: label ?? kind.rawValue,
                budget: explicitBudget ?? MemoryBudget.ownDefault(kind), budgetOf: nil)
            let report = runEngineBenchmark(run, configuration)
            try JSONFile.write(report, to: childReport)
            return
        }
        let runs = EngineRun.plan(try engineKinds(), explicit: explicitBudget)
        try Coordinator(command: self, configuration: configuration, runs: runs).run()
    }
}

/// Prints a line and flushes it at once: children share the terminal with their parent, and
/// progress must appear in order even when stdout is a pipe.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
