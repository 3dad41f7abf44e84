import ArgumentParser
import OITHExample
import TernEngine
import TernRecovery
import TernTables

/// `tern demo`: the main job (see README): regions on one machine under the seed's stress test,
/// or, with `--quick`, the single-region matching query.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job: three regions under the seed's stress test, a partition, a restore, a report.",
        discussion: """
            Without --quick: opens one replica per region (us-east, us-west, eu-west) under \
            --data/<region>/{data,archive} (created when missing, reused when present), loads \
            --users synthetic users (each homed in the region of its city) with candidate lists, \
            conversations and daily metrics, then runs the seed's stress test against every \
            region at once for --duration seconds at --rate requests/s in total (matching queries, \
            profile updates, likes with a TTL, messages, analytics counters). Mid-run it writes \
            conflicting updates to the same profiles in two regions and cuts the last region off \
            for a while; afterwards it waits for the replicas to agree, deletes a batch of messages \
            by mistake and restores Messages to the instant before (point-in-time recovery), \
            verifies (identical replicas, every acknowledged write present or overwritten by a \
            later one, the restore exact), prints a report beside the seed's targets and writes \
            --data/report.html. The exit status is non-zero when a verification fails.

            With --quick: the single-region matching query of earlier versions: loads --users \
            users into --data/tables, reopens, runs --queries matching queries from random users \
            (within --radius km, age ±5, five fields, a page of 20) and prints latency and items \
            evaluated beside the seed's targets.
            """)

    @Option(name: .long, help: "The data folder (created when missing).")
    var data: String = "tern-data"

    @Option(name: .long, help: "How many users to load (default: 20,000; 100,000 with --quick).")
    var users: Int?

    @Option(name: .long, help: "Seconds of stress test.")
    var duration: Double = 60

    @Option(name: .long, help: "Requests per second in total, over all regions (the seed's goal: 500).")
    var rate: Double = 500

    @Option(name: .long, help: "Comma-separated region names (1 to 5).")
    var regions: String = "us-east,us-west,eu-west"

    @Option(name: .long, help: "Worker threads of the stress test.")
    var workers: Int = 8

    @Flag(name: .long, help: "Run the single-region matching query instead (the earlier demo).")
    var quick = false

    @Option(name: .long, help: "With --quick: how many matching queries to run.")
    var queries: Int = 1_000

    @Option(name: .long, help: "With --quick: the matching radius in kilometres.")
    var radius: Double = 25

    @Option(name: .long, help: "The seed of the synthetic data and of the load.")
    var seed: UInt64 = 42

    func validate() throws {
        if let users { guard users > 0 else { throw ValidationError("--users must be positive") } }
        guard queries > 0 else { throw ValidationError("--queries must be positive") }
        guard radius > 0 else { throw ValidationError("--radius must be positive") }
        guard duration > 0, rate > 0, workers > 0 else { throw ValidationError("--duration, --rate and --workers must be positive") }
        let names = regions.split(separator: ",")
        guard (1...5).contains(names.count), Set(names).count == names.count else {
            throw ValidationError("--regions takes 1 to 5 distinct names")
        }
    }

    func run() throws {
        guard quick else {
            var options = MainJob.Options()
            options.data = data
            options.regionNames = regions.split(separator: ",").map(String.init)
            options.users = users ?? 20_000
            options.duration = duration
            options.rate = rate
            options.workers = workers
            options.seed = seed
            print("tern demo: \(options.regionNames.count) regions under \(data)/, \(options.users) users, "
                + "\(Int(duration)) s at \(Int(rate)) req/s (tern demo --help for the knobs; --quick for the single-region query)")
            guard try MainJob(options: options).run() else { throw ExitCode.failure }
            return
        }
        try runQuick()
    }

    private func runQuick() throws {
        let directory = Path.join(data, "tables")
        let archiveDirectory = Path.join(data, "archive")
        print("tern demo: tables at \(directory), continuous archive at \(archiveDirectory)")
        var tables = try TableStore.open(at: directory, storeOptions: StoreOptions(), clock: .system)
        var archive = try ContinuousArchive.start(store: tables.store, directory: archiveDirectory, options: ArchiveOptions())
        let population = try load(into: tables)
        try archive.stop()
        try tables.close()
        let reopenStart = ContinuousClock.now
        tables = try TableStore.open(at: directory, storeOptions: StoreOptions(), clock: .system)
        print("reopened in \(format(milliseconds(ContinuousClock.now - reopenStart))) ms")
        archive = try ContinuousArchive.start(store: tables.store, directory: archiveDirectory, options: ArchiveOptions())
        // Queries are measured on the settled shape: with the load's compactions still running,
        // each level-0 table is one more source per seek, and figures drift from run to run.
        let settleStart = ContinuousClock.now
        tables.store.waitForCompactions()
        let shape = tables.store.statistics
        print("compactions settled in \(format(seconds(ContinuousClock.now - settleStart))) s; levels  files \(shape.levelFileCounts)")
        let verdict = try DemoQueries(tables: tables, users: population, radiusKilometers: radius, seed: seed).run(count: queries)
        let statistics = tables.store.statistics
        print("levels  files \(statistics.levelFileCounts)  bytes \(statistics.levelSizesBytes)")
        try archive.stop()
        if let window = archive.status.window {
            print("archive: restorable from \(UTCTime.format(microseconds: window.earliest.physicalMicroseconds)) to \(UTCTime.format(microseconds: window.latest.physicalMicroseconds))  (tern restore --info --archive \(archiveDirectory))")
        }
        try tables.close()
        if !verdict { throw ExitCode.failure }
    }

    /// Recreates Users and loads the population; returns the users' compact records.
    private func load(into tables: TableStore) throws -> [DemoPopulation.User] {
        let users = self.users ?? 100_000
        if (try? tables.describeTable(DescribeTableRequest(tableName: OITHSchemas.usersTableName))) != nil {
            let start = ContinuousClock.now
            try tables.deleteTable(DeleteTableRequest(tableName: OITHSchemas.usersTableName), durability: .synced)
            print("deleted the previous Users table in \(format(seconds(ContinuousClock.now - start))) s")
        }
        try tables.createTable(OITHSchemas.users, durability: .synced)
        var population = DemoPopulation(seed: seed)
        var records: [DemoPopulation.User] = []
        records.reserveCapacity(users)
        var pending: [WriteRequest] = []
        let start = ContinuousClock.now
        for index in 0..<users {
            let (item, record) = try population.user(index)
            records.append(record)
            pending.append(.put(item: item))
            if pending.count == TableStore.maxBatchWriteRequests || index == users - 1 {
                // Buffered batches, the last one synced: the WAL is sequential, so syncing it
                // makes every earlier batch durable too.
                let durability: Durability = index == users - 1 ? .synced : .buffered
                try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [OITHSchemas.usersTableName: pending]), durability: durability)
                pending.removeAll(keepingCapacity: true)
            }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        print(
            "loaded  \(users) users in \(format(elapsed)) s  (\(format(Double(users) / elapsed)) users/s; BatchWriteItem of 25, buffered, last batch synced)"
        )
        return records
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

func format(_ value: Double) -> String {
    if value >= 100 { return String(Int(value.rounded())) }
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
