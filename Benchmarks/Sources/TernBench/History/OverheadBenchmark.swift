import Glibc
import OITHExample
import Synchronization
import TernEngine
import TernRecovery
import TernTables

/// The same writes with the continuous archive off and on, alternating; and the archive's lag.
struct OverheadBenchmark {
    let command: HistoryCommand

    enum Workload: String { case fillrandom, putItem = "PutItem" }

    func run() throws {
        let lags = Mutex<[UInt64]>([])
        let population = UserPopulation(seed: 5)
        let items = try (0..<command.puts).map { try TernTablesDriver.item(population.user($0)) }
        var generator = SystemRandomNumberGenerator()
        let order = (0..<command.num).shuffled(using: &generator)
        for workload in [Workload.fillrandom, .putItem] {
            var ratios: [Double] = []
            for round in 0..<command.rounds {
                var rates: [Bool: Double] = [:]
                for archived in round % 2 == 0 ? [false, true] : [true, false] {
                    let directory = command.root + "/overhead-\(workload.rawValue)-\(archived)"
                    try FileTree.removeTree(directory)
                    let tables = try TableStore.open(at: directory + "/live", storeOptions: StoreOptions(), clock: .system, ttlPurgeInterval: nil)
                    var options = ArchiveOptions()
                    options.lagObserver = { batch in lags.withLock { $0 += batch } }
                    let archive = archived ? try ContinuousArchive.start(store: tables.store, directory: directory + "/archive", options: options) : nil
                    if workload == .putItem { try tables.createTable(OITHSchemas.users, durability: .synced) }
                    let start = ContinuousClock.now
                    let operations: Int
                    switch workload {
                    case .fillrandom:
                        var value = [UInt8](repeating: 0, count: 100)
                        for (index, key) in order.enumerated() {
                            value.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(index), as: UInt64.self) }
                            try tables.store.put(Array(String(key).utf8), value, durability: .buffered)
                        }
                        operations = order.count
                    case .putItem:
                        for item in items {
                            _ = try tables.putItem(PutItemRequest(tableName: OITHSchemas.usersTableName, item: item), durability: .buffered)
                        }
                        operations = items.count
                    }
                    let elapsed = seconds(ContinuousClock.now - start)
                    rates[archived] = Double(operations) / elapsed
                    try archive?.stop()
                    try tables.close()
                    try FileTree.removeTree(directory)
                }
                let ratio = rates[true]! / rates[false]!
                ratios.append(ratio)
                print("\(workload.rawValue) round \(round + 1): off \(formatFixed(rates[false]!, 0))/s, on \(formatFixed(rates[true]!, 0))/s, "
                    + "on ÷ off \(formatFixed(ratio, 2))")
            }
            print("\(workload.rawValue): median on ÷ off \(formatFixed(ratios.sorted()[ratios.count / 2], 2)) (goal ≥ 0.9)")
        }
        let samples = lags.withLock { $0 }
        print("archive lag (commit → synced in the archive, archiveInterval 1 s) over \(samples.count) batches: "
            + "p50 \(formatFixed(Double(percentile(samples, 0.5)) / 1000, 0)) ms, p99 \(formatFixed(Double(percentile(samples, 0.99)) / 1000, 0)) ms, "
            + "max \(formatFixed(Double(samples.max() ?? 0) / 1000, 0)) ms (goal p99 ≤ 1100 ms)")
    }
}
