import ArgumentParser
import Glibc

/// `tern-bench tables`: item workloads on Tern's table layer beside SQLite.
struct TablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench tables",
        abstract: "Item workloads: Tern's table layer (TableStore) beside SQLite holding the same tables and indexes.",
        discussion: """
            Loads --users synthetic users (deterministic for --seed, spread around real cities, \
            shaped like OITH's UserProfile) and --messages chat messages into each engine, in \
            batches of 25 (Tern: BatchWriteItem; SQLite: one transaction), then runs, single-threaded:
              putitem         --ops PutItems of new users (item + index entry)
              getitem         --ops GetItems of random users (whole items)
              updateitem      --ops 'SET lastActive = :t ADD visits :one'
              query           --queries pages: a conversation's latest 20 messages
              match           --queries matching queries: within --radius km of a
                              random user, age ±5, five fields, a page of 20
              putitem-synced  --synced_ops synced PutItems of new users
              mixed@4         --mixed_ops operations on 4 threads: a quarter synced
                              PutItems, half GetItems, a quarter Query pages
              mixed@8         the same on 8 threads

            Tern: TableStore with OITHSchemas.users (geohash index at precision 4 sorted by age, \
            projecting the match-card fields) and OITHSchemas.messages; the matching query is \
            TableStore.nearby. SQLite (WAL): WITHOUT ROWID tables users(email PRIMARY KEY, ..., \
            geohash, age, lat, lon, ...) with an index on (geohash, age) (--sqlite_covering_index \
            adds the match-card columns) and messages(conversationId, messageId); the matching \
            query runs the same algorithm in the application: Tern's GeoCovering (same cells, \
            nearest first), one indexed range per cell, haversine check, stop at 20. Items \
            evaluated = index entries (Tern) or rows (SQLite) read.

            Durability: writes are Tern .buffered and SQLite synchronous=NORMAL in WAL mode (both \
            survive a process crash, not a power cut); putitem-synced uses Tern .synced and SQLite \
            synchronous=FULL. The load and every write workload end with a settle (Tern: WAL \
            sync and waiting for compactions; SQLite: a WAL checkpoint), timed and reported, so \
            each workload measures its own operations. Each engine runs in a child process of \
            its own. ops/s = operations ÷ the sum of their own times; latency per operation in \
            HdrHistogram. Reads are checked, and Tern's query and match results must equal \
            SQLite's (same digest).

            Targets from the issue, reported, not enforced: ≥ 1.0× SQLite's ops/s on every \
            workload, ≥ 1.5× on PutItem and the concurrent ones; matching query p99 ≤ 1 ms with \
            items evaluated ≤ 1.5× items returned.

            --callgrind runs each engine under valgrind's callgrind and adds user-space \
            instructions per operation (inside each operation only: not the harness, not the \
            load, not Tern's flush and compaction threads). Use fewer users: \
            tools/bench-tables --callgrind defaults to --users=100000 --ops=10000 \
            --queries=2000 --synced_ops=500 --mixed_ops=2000.
            """)

    @Option(name: .customLong("users"), help: "Users loaded before the workloads.")
    var users = 1_000_000

    @Option(name: .customLong("ops"), help: "Operations of putitem, getitem and updateitem.")
    var operations = 100_000

    @Option(name: .customLong("queries"), help: "Operations of query and match.")
    var queries = 20_000

    @Option(name: .customLong("messages"), help: "Messages loaded before the workloads.")
    var messages = 200_000

    @Option(name: .customLong("messages_per_conversation"), help: "Messages per conversation.")
    var messagesPerConversation = 50

    @Option(name: .customLong("synced_ops"), help: "Operations of putitem-synced.")
    var syncedOperations = 2_000

    @Option(name: .customLong("mixed_ops"), help: "Operations of each concurrent workload (mixed@4, mixed@8), over all its threads.")
    var mixedOperations = 20_000

    @Flag(name: .customLong("callgrind"), help: "Run each engine under valgrind's callgrind and report instructions per operation (slow: use --users=100000).")
    var callgrind = false

    @Option(name: .customLong("radius"), help: "Radius of the matching query in kilometres.")
    var radiusKilometers = 25.0

    @Option(name: .customLong("workloads"), help: "Comma-separated workloads (they run in the order listed above).")
    var workloads = ItemWorkload.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("engines"), help: "Engines side by side: tern,sqlite.")
    var engines = "tern,sqlite"

    @Option(name: .customLong("engine"), help: .hidden)
    var engine: String?

    @Option(name: .customLong("db"), help: "Directory for the databases (one subdirectory per engine).")
    var databaseRoot = "/tmp/tern-bench-tables"

    @Option(name: .customLong("json"), help: "Write the full report as JSON to this file.")
    var jsonPath: String?

    @Option(name: .customLong("write_buffer_size"), help: "Tern's memtable budget in bytes (SQLite adds it to its page cache).")
    var writeBufferBytes = 32 << 20

    @Option(name: .customLong("cache_size"), help: "Tern's block cache in bytes (SQLite adds it to its page cache).")
    var blockCacheBytes = 8 << 20

    @Flag(name: .customLong("sqlite_covering_index"), help: "SQLite's geohash index also holds lat, lon, name, gender, city.")
    var sqliteCoveringIndex = false

    @Flag(name: .customLong("tern_no_compression"), help: "Tern stores SSTable blocks uncompressed (default: LZ4).")
    var ternNoCompression = false

    @Option(name: .customLong("seed"), help: "Seed of users, messages and choices.")
    var seed: UInt64 = 42

    @Flag(name: .customLong("keep_db"), help: "Keep the databases after the run.")
    var keepDatabase = false

    @Option(name: .customLong("child_report"), help: .hidden)
    var childReport: String?

    func validate() throws {
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard operations >= 1, queries >= 1, syncedOperations >= 1, mixedOperations >= 8 else {
            throw ValidationError("--ops, --queries and --synced_ops must be at least 1, --mixed_ops at least 8")
        }
        guard messagesPerConversation >= 1, messages >= messagesPerConversation else {
            throw ValidationError("--messages must be at least --messages_per_conversation (≥ 1)")
        }
        guard radiusKilometers > 0, radiusKilometers <= 1000 else { throw ValidationError("--radius must be in (0, 1000]") }
        _ = try engineKinds()
        _ = try workloadList()
    }

    func engineKinds() throws -> [TablesEngineKind] {
        try (engine ?? engines).split(separator: ",").map { name in
            guard let kind = TablesEngineKind(rawValue: name.trimmingCharacters()) else {
                throw ValidationError("unknown engine '\(name)' (known: tern, sqlite)")
            }
            return kind
        }
    }

    /// The workloads asked for, in the fixed order (each workload's inputs depend on the earlier
    /// ones: PutItem adds users the later reads may pick).
    func workloadList() throws -> [ItemWorkload] {
        let names = Set(workloads.split(separator: ",").map { $0.trimmingCharacters() }.flatMap { name in
            // "mixed" names both concurrent workloads.
            name == "mixed" ? [ItemWorkload.mixed4.rawValue, ItemWorkload.mixed8.rawValue] : [name]
        })
        for name in names where ItemWorkload(rawValue: name) == nil {
            throw ValidationError("unknown workload '\(name)' (known: \(ItemWorkload.allCases.map(\.rawValue).joined(separator: ",")))")
        }
        return ItemWorkload.allCases.filter { names.contains($0.rawValue) }
    }

    func makeConfiguration() throws -> TablesConfiguration {
        TablesConfiguration(
            users: users, operations: operations, queries: queries, messages: messages,
            messagesPerConversation: messagesPerConversation, syncedOperations: syncedOperations,
            radiusKilometers: radiusKilometers, workloads: try workloadList(),
            settings: TablesSettings(
                writeBufferBytes: writeBufferBytes, blockCacheBytes: blockCacheBytes, sqliteCoveringIndex: sqliteCoveringIndex,
                ternCompressesBlocks: !ternNoCompression),
            databaseRoot: databaseRoot, seed: seed, keepDatabase: keepDatabase, mixedOperations: mixedOperations,
            callgrind: callgrind)
    }

    mutating func run() throws {
        let configuration = try makeConfiguration()
        if let childReport {
            try JSONFile.write(runTablesBenchmark(try engineKinds()[0], configuration), to: childReport)
            return
        }
        try coordinate(configuration)
    }

    /// The parent: one child process per engine, then the tables and the JSON report.
    private func coordinate(_ configuration: TablesConfiguration) throws {
        try FileTree.makeDirectories(databaseRoot)
        let loadAtStart = ProcessMetrics.loadAverage()
        say("tern-bench tables: \(try engineKinds().map(\.rawValue).joined(separator: ",")) | \(users) users, "
              + "\(messages) messages | ops \(operations), queries \(queries), synced ops \(syncedOperations), radius "
              + "\(formatFixed(radiusKilometers, 1)) km | memtable \(writeBufferBytes >> 20) MiB, block cache "
              + "\(blockCacheBytes >> 20) MiB | \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores, load average \(formatFixed(loadAtStart, 2))")
        var reports: [TablesEngineReport] = []
        let executable = callgrind ? try Callgrind.strippedExecutable() : ProcessMetrics.executablePath()
        for kind in try engineKinds() {
            let reportPath = databaseRoot + "/.report-tables-\(kind.rawValue).json"
            try? FileTree.removeTree(reportPath)
            let callgrindOut = databaseRoot + "/callgrind.tables-\(kind.rawValue).out"
            var wrapper: [String] = []
            if callgrind {
                guard let valgrind = Callgrind.valgrindPath() else {
                    throw BenchError("--callgrind needs valgrind (apt-get install valgrind)")
                }
                Callgrind.removeOutputs(outFile: callgrindOut)
                wrapper = [valgrind] + Callgrind.valgrindArguments(outFile: callgrindOut)
            }
            let status = try Coordinator.run(wrapper + [executable] + childArguments(kind, reportPath))
            if var report = try? JSONFile.read(TablesEngineReport.self, from: reportPath) {
                if callgrind {
                    // One dump per workload, in order.
                    let dumps = Callgrind.dumps(outFile: callgrindOut)
                    for (index, dump) in zip(report.workloads.indices, dumps) {
                        guard let count = Callgrind.instructions(inDump: dump), report.workloads[index].operations > 0 else { continue }
                        report.workloads[index].instructionsPerOperation = Double(count) / Double(report.workloads[index].operations)
                    }
                    if !keepDatabase { Callgrind.removeOutputs(outFile: callgrindOut) }
                }
                reports.append(report)
            } else {
                reports.append(TablesEngineReport(engine: kind, configuration: "", error: "child process exited with status \(status) and no report"))
            }
            try? FileTree.removeTree(reportPath)
        }
        let report = TablesRunReport(
            command: CommandLine.arguments.joined(separator: " "), unixTime: time(nil), cores: sysconf(Int32(_SC_NPROCESSORS_ONLN)),
            users: users, operations: operations, queries: queries, messages: messages, radiusKilometers: radiusKilometers,
            settings: configuration.settings, loadAverageStart: loadAtStart, loadAverageEnd: ProcessMetrics.loadAverage(),
            engines: reports)
        say("\n## Engines\n")
        say(TablesReport.engines(report))
        say("\n## Item workloads at \(formatGrouped(Double(users))) users (load average \(formatFixed(report.loadAverageStart, 2)) "
              + "at start, \(formatFixed(report.loadAverageEnd, 2)) at end; \(report.cores) cores; writes Tern .buffered / "
              + "SQLite synchronous=NORMAL in WAL mode, putitem-synced Tern .synced / SQLite synchronous=FULL)\n")
        say(TablesReport.comparison(report))
        if callgrind {
            say("\n## Instructions per operation (callgrind: user space, inside each operation; not the harness, "
                  + "not the load, not background threads)\n")
            say(TablesReport.instructions(report))
        }
        let targets = TablesReport.targets(report)
        if !targets.isEmpty { say("\n## Targets (issue 13: items at equal memory)\n\n" + targets) }
        if let jsonPath {
            try JSONFile.write(report, to: jsonPath)
            say("\nJSON report: \(jsonPath)")
        }
        let failed = reports.contains { $0.error != nil || $0.workloads.contains { !$0.verified } }
        let disagree = reports.first { $0.engine == .tern }?.workloads.contains { TablesReport.agreement($0, report) == false } ?? false
        if failed || disagree { throw ExitCode(2) }
    }

    private func childArguments(_ kind: TablesEngineKind, _ reportPath: String) -> [String] {
        var arguments = [
            "tables", "--engine=\(kind.rawValue)", "--child_report=\(reportPath)", "--users=\(users)", "--ops=\(operations)",
            "--queries=\(queries)", "--messages=\(messages)", "--messages_per_conversation=\(messagesPerConversation)",
            "--synced_ops=\(syncedOperations)", "--mixed_ops=\(mixedOperations)", "--radius=\(radiusKilometers)",
            "--workloads=\(workloads)",
            "--db=\(databaseRoot)", "--write_buffer_size=\(writeBufferBytes)", "--cache_size=\(blockCacheBytes)", "--seed=\(seed)",
        ]
        if sqliteCoveringIndex { arguments.append("--sqlite_covering_index") }
        if ternNoCompression { arguments.append("--tern_no_compression") }
        if keepDatabase { arguments.append("--keep_db") }
        if callgrind { arguments.append("--callgrind") }
        return arguments
    }
}
