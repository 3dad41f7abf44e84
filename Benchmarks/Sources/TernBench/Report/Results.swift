/// Latency percentiles of one workload, in microseconds.
struct LatencySummary: Codable, Sendable {
    var p50: Double
    var p99: Double
    var p999: Double
    var max: Double
    var mean: Double
}

/// One workload on one engine.
struct WorkloadResult: Codable, Sendable {
    /// As given in `--benchmarks` (`fillsync@8` for a thread override).
    var benchmark: String
    var workload: WorkloadKind
    var threads: Int
    var operations: Int
    var seconds: Double
    var operationsPerSecond: Double
    /// Per operation (readseq: per entry; seekrandom: per seek plus its 10 nexts).
    var latencyMicroseconds: LatencySummary
    var found: Int
    var notFound: Int
    /// Found values whose length is not `--value_size`.
    var wrongLength: Int
    /// Entries read by seekrandom and readseq.
    var entriesRead: Int
    /// Whether the reads found what the workload implies (see `verification`).
    var verified: Bool
    var verification: String
    /// Bytes of the files in the engine's directory when the workload ended.
    var diskBytes: Int
    /// Peak RSS of the engine's process during this workload (`peakResidentSetScope` says
    /// whether the kernel let us reset the peak before it, or it is since the process started).
    var peakResidentSetBytes: Int
    var peakResidentSetScope: String
    /// Key and value bytes written since the database was created.
    var userBytesWritten: Int?
    /// Table bytes written (flushes and compactions, as the engine reports them) over user bytes,
    /// since the database was created, at the end of the workload.
    var writeAmplificationEngine: Double?
    /// Bytes passed to write system calls by the engine's process (WAL included) over user
    /// bytes, since the database was created.
    var writeAmplificationSyscalls: Double?
    var loadAverageStart: Double
    var loadAverageEnd: Double
    /// With `--callgrind`: user-space instructions of the workload's threads (and of any thread
    /// running while they did) per operation. Wall-clock figures of such a run are meaningless.
    var instructionsPerOperation: Double?
    /// The database was filled (unmeasured fillrandom) first because no earlier workload had.
    var prefilled: Bool
    var errors: [String]
}

/// Everything one engine's child process measured.
struct EngineReport: Codable, Sendable {
    var engine: EngineKind
    /// Tells two runs of one engine apart: `tern@leveldb` is Tern at LevelDB's budget.
    var label: String
    /// The memory budget it ran at (set by the parent, which planned the run).
    var budget: MemoryBudget?
    /// For Tern: the peer whose budget it ran at, whose figures its ratios divide by.
    var budgetOf: EngineKind?
    var configuration: String
    var workloads: [WorkloadResult]
    /// Set when the engine could not be opened or a workload failed outright.
    var error: String?
}

/// The whole run, as written to `--json`.
struct RunReport: Codable, Sendable {
    var command: String
    var unixTime: Int
    var cores: Int
    var num: Int
    var keySize: Int
    var valueSize: Int
    var compressionRatio: Double
    /// The budget `--write_buffer_size`/`--cache_size` set for every engine (nil: each ran at
    /// its own, see each engine's `budget`).
    var explicitBudget: MemoryBudget?
    /// The peers' `verify_checksums` (nil: each peer's default). Tern always verifies.
    var verifyChecksums: Bool?
    var bloomBitsPerKey: Int
    /// Whether every child ran under callgrind (instructions per operation are set).
    var callgrind: Bool?
    var fillsyncOperations: Int
    var loadAverageStart: Double
    var loadAverageEnd: Double
    var engines: [EngineReport]
}
