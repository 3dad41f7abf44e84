import Glibc
import OITHExample
import TernEngine
import TernRecovery
import TernTables

/// Restore of a settled Users store (checkpoint + replayed updates) to an instant.
struct RestoreBenchmark {
    let command: HistoryCommand

    func run() throws {
        let directory = command.root + "/restore"
        let population = UserPopulation(seed: 11)
        let tables = try TableStore.open(at: directory + "/live", storeOptions: StoreOptions(), clock: .system, ttlPurgeInterval: nil)
        var archiveOptions = ArchiveOptions()
        archiveOptions.checkpointInterval = .seconds(86_400)
        let archive = try ContinuousArchive.start(store: tables.store, directory: directory + "/archive", options: archiveOptions)
        try tables.createTable(OITHSchemas.users, durability: .synced)
        let loadStart = ContinuousClock.now
        var pending: [WriteRequest] = []
        for index in 0..<command.users {
            pending.append(.put(item: try TernTablesDriver.item(population.user(index))))
            if pending.count == 25 {
                _ = try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [OITHSchemas.usersTableName: pending]), durability: .buffered)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty {
            _ = try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [OITHSchemas.usersTableName: pending]), durability: .buffered)
        }
        try tables.store.flush()
        tables.store.waitForCompactions()
        print("restore: loaded \(command.users) users in \(formatFixed(seconds(ContinuousClock.now - loadStart), 1)) s; "
            + "levels \(tables.store.statistics.levelFileCounts)")
        try archive.checkpointNow()
        var instant = HybridTimestamp.zero
        for index in 0..<command.updates {
            _ = try tables.updateItem(UpdateItemRequest(
                tableName: OITHSchemas.usersTableName, key: ["email": .string(UserPopulation.email(index * 7 % command.users))],
                updateExpression: "SET age = :a", expressionAttributeValues: [":a": .number(Number(20 + index % 40))]),
                durability: .buffered)
            if index == command.updates - 2 { instant = tables.store.lastCommittedStamp }
        }
        try archive.stop()
        try tables.close()
        let info = try ArchiveRestore.info(archive: directory + "/archive")
        print("restore: archive \(info.checkpoints.count) checkpoints, \(info.segments.count) segments, "
            + "\(formatFixed(Double(info.sizeBytes) / 1_048_576, 1)) MiB")
        let disk = try sequentialWriteMegabytesPerSecond(command.root)
        var times: [Double] = []
        for round in 0..<command.rounds {
            let target = directory + "/restored-\(round)"
            let summary = try ArchiveRestore.restore(archive: directory + "/archive", to: .stamp(instant), into: target)
            let elapsed = seconds(summary.duration)
            times.append(elapsed)
            let megabytes = Double(summary.bytesVerified) / 1_048_576
            let users = summary.tables.first { $0.name == OITHSchemas.usersTableName }?.items ?? 0
            print("  round \(round + 1): \(formatFixed(elapsed, 2)) s, \(summary.batchesReplayed) batches replayed, "
                + "\(users) users, \(formatFixed(megabytes, 1)) MiB verified (\(formatFixed(megabytes / elapsed, 0)) MB/s)")
            try FileTree.removeTree(target)
        }
        let median = times.sorted()[times.count / 2]
        print("restore: median \(formatFixed(median, 2)) s for \(command.users) users + \(command.updates) updates replayed "
            + "(goal ≤ 5 s); disk sequential write \(formatFixed(disk, 0)) MB/s")
    }
}
