/// What a run is asked to do, shared by the parent and its per-engine children.
struct BenchmarkConfiguration: Sendable {
    var num: Int
    var keySize: Int
    var valueSize: Int
    var compressionRatio: Double
    var specs: [WorkloadSpec]
    var settings: EngineSettings
    var databaseRoot: String
    var seed: UInt64
    var keepDatabase: Bool
}

/// Runs every workload of a configuration against one engine, in this process (the child
/// process of that engine), in db_bench's order: fill workloads start from an empty database,
/// the others use what the previous ones left.
struct EngineBenchmark<E: BenchEngine> {
    private enum Contents { case unknown, allKeys, someKeys }

    let kind: EngineKind
    /// The run's label (`tern@leveldb`), in progress lines.
    let label: String
    let configuration: BenchmarkConfiguration
    let directory: String
    let inputs: WorkloadInputs

    private var engine: E?
    private var contents = Contents.unknown
    private var userBytesWritten = 0
    private var syscallBytesAtCreation = 0

    init(run: EngineRun, configuration: BenchmarkConfiguration) {
        self.kind = run.kind
        self.label = run.label
        self.configuration = configuration
        directory = configuration.databaseRoot + "/" + run.label
        let values = ValuePool(
            valueSize: configuration.valueSize, compressionRatio: configuration.compressionRatio,
            seed: configuration.seed)
        inputs = WorkloadInputs(
            num: configuration.num, keySize: configuration.keySize, seed: configuration.seed, values: values,
            permutation: randomPermutation(count: configuration.num, seed: configuration.seed ^ 0xF111))
    }

    /// Runs all workloads; failures end the run and are reported, never thrown.
    mutating func run() -> EngineReport {
        var report = EngineReport(engine: kind, label: label, budget: nil, budgetOf: nil, configuration: "", workloads: [], error: nil)
        do {
            try createFresh()
            report.configuration = engine!.configurationSummary
            say("[\(label)] \(report.configuration)")
            for spec in configuration.specs {
                let result = try runWorkload(spec)
                report.workloads.append(result)
                printProgress(result)
            }
            try engine?.close()
            engine = nil
            if !configuration.keepDatabase { try FileTree.removeTree(directory) }
        } catch {
            report.error = "\(error)"
            say("[\(label)] FAILED: \(error)")
        }
        return report
    }

    private mutating func createFresh() throws {
        try engine?.close()
        engine = nil
        try FileTree.removeTree(directory)
        try FileTree.makeDirectories(directory)
        syscallBytesAtCreation = ProcessMetrics.bytesWrittenBySyscalls()
        userBytesWritten = 0
        engine = try E.open(directory: directory, settings: configuration.settings)
        contents = .unknown
    }

    private mutating func runWorkload(_ spec: WorkloadSpec) throws -> WorkloadResult {
        var prefilled = false
        if spec.kind.startsFresh {
            try createFresh()
        } else if contents != .allKeys {
            try createFresh()
            let fill = WorkloadRunner.run(engine!, kind: .fillrandom, threads: 1, inputs: inputs, measured: false)
            if let error = fill.errors.first { throw BenchError("prefill failed: \(error)") }
            userBytesWritten += fill.operations * (configuration.keySize + configuration.valueSize)
            contents = .allKeys
            prefilled = true
        }
        guard let engine else { throw BenchError("no open engine") }

        let peakIsPerWorkload = ProcessMetrics.resetPeakResidentSet()
        let loadAtStart = ProcessMetrics.loadAverage()
        let measured = WorkloadRunner.run(engine, kind: spec.kind, threads: spec.threads, inputs: inputs)
        let loadAtEnd = ProcessMetrics.loadAverage()

        if spec.kind.writes {
            userBytesWritten += measured.operations * (configuration.keySize + configuration.valueSize)
        }
        switch spec.kind {
        case .fillseq, .fillrandom: contents = .allKeys
        case .fillsync: contents = .someKeys
        default: break
        }
        let (verified, verification) = verify(spec, measured)
        var writeAmplificationEngine: Double?
        var writeAmplificationSyscalls: Double?
        if spec.kind.writes && userBytesWritten > 0 {
            writeAmplificationEngine = engine.tableBytesWritten().map { Double($0) / Double(userBytesWritten) }
            let syscallBytes = ProcessMetrics.bytesWrittenBySyscalls() - syscallBytesAtCreation
            writeAmplificationSyscalls = Double(syscallBytes) / Double(userBytesWritten)
        }
        func micros(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1000 }
        let histogram = measured.histogram
        return WorkloadResult(
            benchmark: spec.description, workload: spec.kind, threads: spec.threads,
            operations: measured.operations, seconds: measured.seconds,
            operationsPerSecond: measured.seconds > 0 ? Double(measured.operations) / measured.seconds : 0,
            latencyMicroseconds: LatencySummary(
                p50: micros(histogram.valueAtPercentile(50)), p99: micros(histogram.valueAtPercentile(99)),
                p999: micros(histogram.valueAtPercentile(99.9)), max: micros(histogram.max),
                mean: histogram.mean / 1000),
            found: measured.found, notFound: measured.notFound, wrongLength: measured.wrongLength,
            entriesRead: measured.entries, verified: verified, verification: verification,
            diskBytes: FileTree.sizeBytes(directory),
            peakResidentSetBytes: ProcessMetrics.peakResidentSetBytes(),
            peakResidentSetScope: peakIsPerWorkload ? "workload" : "process",
            userBytesWritten: spec.kind.writes ? userBytesWritten : nil,
            writeAmplificationEngine: writeAmplificationEngine,
            writeAmplificationSyscalls: writeAmplificationSyscalls,
            loadAverageStart: loadAtStart, loadAverageEnd: loadAtEnd, prefilled: prefilled,
            errors: measured.errors)
    }

    /// Checks that the engine did what the workload implies, so a broken driver cannot report
    /// throughput for work it did not do.
    private func verify(_ spec: WorkloadSpec, _ measured: WorkloadMeasurement) -> (Bool, String) {
        let expected = spec.kind.operationCount(num: configuration.num)
        let operations = measured.operations
        guard measured.errors.isEmpty else { return (false, "error: \(measured.errors[0])") }
        switch spec.kind {
        case .fillseq, .fillrandom, .overwrite, .fillsync:
            return (operations == expected, "\(operations)/\(expected) written")
        case .readrandom:
            let good = measured.found == operations && measured.wrongLength == 0 && operations == expected
            return (good, "\(measured.found)/\(operations) found, \(measured.wrongLength) wrong length")
        case .readmissing:
            return (measured.found == 0 && operations == expected, "\(measured.notFound)/\(operations) absent")
        case .seekrandom:
            let good = measured.found == operations && measured.entries >= operations && operations == expected
            return (good, "\(measured.found)/\(operations) exact, \(measured.entries) entries")
        case .readseq:
            let good = measured.entries == configuration.num && measured.orderViolations == 0
                && measured.wrongLength == 0
            return (good, "\(measured.entries)/\(configuration.num) entries, \(measured.orderViolations) out of order")
        }
    }

    private func printProgress(_ result: WorkloadResult) {
        let line = [
            "[\(label)]", pad(result.benchmark, 13),
            leftPad(formatGrouped(result.operationsPerSecond), 11) + " ops/s",
            "p50 " + formatFixed(result.latencyMicroseconds.p50, 2),
            "p99 " + formatFixed(result.latencyMicroseconds.p99, 2),
            "p99.9 " + formatFixed(result.latencyMicroseconds.p999, 2) + " µs",
            result.verified ? "OK" : "CHECK FAILED",
            "(\(result.verification))",
        ]
        say(line.joined(separator: "  "))
    }
}

/// Runs `run`'s engine in this process.
func runEngineBenchmark(_ run: EngineRun, _ configuration: BenchmarkConfiguration) -> EngineReport {
    switch run.kind {
    case .tern:
        var benchmark = EngineBenchmark<TernBenchEngine>(run: run, configuration: configuration)
        return benchmark.run()
    case .rocksdb:
        var benchmark = EngineBenchmark<RocksDBEngine>(run: run, configuration: configuration)
        return benchmark.run()
    case .leveldb:
        var benchmark = EngineBenchmark<LevelDBEngine>(run: run, configuration: configuration)
        return benchmark.run()
    case .sqlite:
        var benchmark = EngineBenchmark<SQLiteEngine>(run: run, configuration: configuration)
        return benchmark.run()
    case .null:
        var benchmark = EngineBenchmark<NullBenchEngine>(run: run, configuration: configuration)
        return benchmark.run()
    }
}
