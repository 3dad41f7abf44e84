import ArgumentParser
import Glibc
import TernEngine
import TernRecovery
import TernTables

/// `tern demo`: the main job on an embedded store (see README).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load synthetic users into the Users table and run the matching query, with latency and scan figures.",
        discussion: """
            Opens the table store in --data/tables, (re)creates the OITH Users table (email key, \
            geohash index on lat/lon at precision 4 sorted by age), loads --users synthetic users \
            spread around real cities with BatchWriteItem, closes and reopens the store, waits for \
            its compactions to finish, then runs \
            --queries matching queries from random users: everyone within --radius km whose age \
            is within 5 years, five fields, a page of 20. Prints load throughput, p50/p95/p99 \
            latency and items evaluated per query beside the seed's targets (P95 < 200 ms, fewer \
            than 500 profiles scanned per request), and the seed's own 9-cell query for comparison.
            """)

    @Option(name: .long, help: "The data folder (created when missing).")
    var data: String = "tern-data"

    @Option(name: .long, help: "How many users to load.")
    var users: Int = 100_000

    @Option(name: .long, help: "How many matching queries to run.")
    var queries: Int = 1_000

    @Option(name: .long, help: "The matching radius in kilometres.")
    var radius: Double = 25

    @Option(name: .long, help: "The seed of the synthetic data and of the query users.")
    var seed: UInt64 = 42

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive") }
        guard queries > 0 else { throw ValidationError("--queries must be positive") }
        guard radius > 0 else { throw ValidationError("--radius must be positive") }
    }

    func run() throws {
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
