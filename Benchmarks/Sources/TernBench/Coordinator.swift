import ArgumentParser
import Glibc

/// The parent process: runs each engine in a child process of its own (this executable again,
/// with `--engine=X --child_report=FILE`), so that peak RSS, allocator state and page-cache
/// warmth from one engine do not leak into the next; then prints the tables and writes JSON.
struct Coordinator {
    let command: TernBench
    let configuration: BenchmarkConfiguration
    let runs: [EngineRun]

    func run() throws {
        try FileTree.makeDirectories(configuration.databaseRoot)
        let loadAtStart = ProcessMetrics.loadAverage()
        let fillsyncOperations = WorkloadKind.fillsync.operationCount(num: configuration.num)
        let budgets = runs.map { "\($0.label) \($0.budget.shortSummary)" }.joined(separator: ", ")
        say("tern-bench: \(runs.map(\.label).joined(separator: ",")) | num \(configuration.num), "
              + "key \(configuration.keySize) B, value \(configuration.valueSize) B, compression ratio "
              + "\(configuration.compressionRatio), fillsync \(fillsyncOperations) ops | budgets (memtable+cache): "
              + "\(budgets) | \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores, load average \(formatFixed(loadAtStart, 2))")

        let executable = command.callgrind ? try Callgrind.strippedExecutable() : ProcessMetrics.executablePath()
        var reports: [EngineReport] = []
        for run in runs {
            let reportPath = configuration.databaseRoot + "/.report-\(run.label).json"
            try? FileTree.removeTree(reportPath)
            let callgrindOut = configuration.databaseRoot + "/callgrind.\(run.label).out"
            var wrapper: [String] = []
            if command.callgrind {
                guard let valgrind = Callgrind.valgrindPath() else {
                    throw BenchError("--callgrind needs valgrind (apt-get install valgrind)")
                }
                Callgrind.removeOutputs(outFile: callgrindOut)
                wrapper = [valgrind] + Callgrind.valgrindArguments(outFile: callgrindOut)
            }
            let status = try Coordinator.run(wrapper + [executable] + childArguments(run: run, reportPath: reportPath))
            var report = (try? JSONFile.read(EngineReport.self, from: reportPath)) ?? EngineReport(
                engine: run.kind, label: run.label, budget: nil, budgetOf: nil, configuration: "", workloads: [],
                error: "child process exited with status \(status) and no report")
            if command.callgrind {
                Coordinator.attachInstructions(&report, dumps: Callgrind.dumps(outFile: callgrindOut))
                if !configuration.keepDatabase { Callgrind.removeOutputs(outFile: callgrindOut) }
            }
            report.label = run.label
            report.budget = run.budget
            report.budgetOf = run.budgetOf
            reports.append(report)
            try? FileTree.removeTree(reportPath)
        }

        let report = RunReport(
            command: CommandLine.arguments.joined(separator: " "), unixTime: time(nil),
            cores: sysconf(Int32(_SC_NPROCESSORS_ONLN)), num: configuration.num, keySize: configuration.keySize,
            valueSize: configuration.valueSize, compressionRatio: configuration.compressionRatio,
            explicitBudget: command.explicitBudget, verifyChecksums: configuration.settings.verifyChecksums,
            bloomBitsPerKey: configuration.settings.bloomBitsPerKey, callgrind: command.callgrind,
            fillsyncOperations: fillsyncOperations,
            loadAverageStart: loadAtStart, loadAverageEnd: ProcessMetrics.loadAverage(), engines: reports)
        printSummary(report)
        if let path = command.jsonPath {
            try JSONFile.write(report, to: path)
            say("\nJSON report: \(path)")
        }
        if reports.contains(where: { $0.error != nil || $0.workloads.contains { !$0.verified } }) {
            throw ExitCode(2)
        }
    }

    private func printSummary(_ report: RunReport) {
        say("\n## Engines\n")
        for engine in report.engines {
            let budget = engine.engine == .null ? "" : " | budget \(engine.budget?.summary ?? "?") (\(engine.budget?.source ?? "?"))"
            say("- \(engine.label): \(engine.configuration.isEmpty ? "-" : engine.configuration)\(budget)")
            if let error = engine.error { say("  ERROR: \(error)") }
        }
        say("\nTern verifies the checksum of every block it reads; the peers' verify_checksums: "
              + (report.verifyChecksums.map { $0 ? "on (--verify_checksums=true)" : "off (--verify_checksums=false)" }
                 ?? "their defaults (LevelDB off, RocksDB on)") + ".")
        say("\n## Results (load average \(formatFixed(report.loadAverageStart, 2)) at start, "
              + "\(formatFixed(report.loadAverageEnd, 2)) at end; \(report.cores) cores)\n")
        say(ReportTables.details(report))
        if report.callgrind == true {
            say("\n## Instructions per operation (callgrind: user space, the measured workload's own threads; flush and compaction threads are not counted)\n")
            say(ReportTables.instructions(report))
        }
        if report.engines.count > 1 {
            say("\n## Tern ÷ each peer at the peer's memory budget\n")
            say(ReportTables.comparison(report))
        }
    }

    private func childArguments(run: EngineRun, reportPath: String) -> [String] {
        let settings = configuration.settings
        var arguments = [
            "--benchmarks=\(configuration.specs.map(\.description).joined(separator: ","))",
            "--num=\(configuration.num)", "--key_size=\(configuration.keySize)",
            "--value_size=\(configuration.valueSize)", "--compression_ratio=\(configuration.compressionRatio)",
            "--threads=1", "--engine=\(run.kind.rawValue)", "--label=\(run.label)", "--db=\(configuration.databaseRoot)",
            "--write_buffer_size=\(run.budget.writeBufferBytes)", "--cache_size=\(run.budget.blockCacheBytes)",
            "--bloom_bits=\(settings.bloomBitsPerKey)", "--seed=\(configuration.seed)", "--child_report=\(reportPath)",
        ]
        if let verify = settings.verifyChecksums { arguments.append("--verify_checksums=\(verify)") }
        if let library = settings.rocksDBLibrary { arguments.append("--rocksdb_lib=\(library)") }
        if let library = settings.levelDBLibrary { arguments.append("--leveldb_lib=\(library)") }
        if configuration.keepDatabase { arguments.append("--keep_db") }
        return arguments
    }

    /// Splits the callgrind dumps of a child among its workloads (a workload of t threads left t
    /// dumps, in run order) and sets each workload's instructions per operation.
    static func attachInstructions(_ report: inout EngineReport, dumps: [String]) {
        var next = 0
        for index in report.workloads.indices {
            let threads = report.workloads[index].threads
            guard next + threads <= dumps.count else { break }
            let counts = dumps[next..<(next + threads)].compactMap(Callgrind.instructions(inDump:))
            next += threads
            guard counts.count == threads, report.workloads[index].operations > 0 else { continue }
            report.workloads[index].instructionsPerOperation =
                Double(counts.reduce(0, +)) / Double(report.workloads[index].operations)
        }
    }

    /// Runs this executable with `arguments` and waits for it; returns its exit status.
    static func spawnChild(arguments: [String]) throws -> Int32 {
        try run([ProcessMetrics.executablePath()] + arguments)
    }

    /// Runs `command` (its first element a path, or a name looked up in `PATH`) and waits for
    /// it; returns its exit status.
    static func run(_ command: [String]) throws -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, command[0], nil, nil, argv, environ)
        guard result == 0 else { throw BenchError("posix_spawnp \(command[0]): \(String(cString: strerror(result)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}
