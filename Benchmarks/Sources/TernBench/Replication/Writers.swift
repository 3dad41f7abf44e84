import Glibc
import Synchronization
import TernEngine
import TernTables

/// The benchmark's writers: synced PutItems of ~100-byte items under random keys shared by the
/// regions (so some writes conflict), on OS threads.
enum Writers {
    struct Outcome {
        var count: Int
        var seconds: Double
        var latencies: [UInt64]
    }

    static func item(_ key: Int, region: Int, random: inout some RandomNumberGenerator) -> Item {
        ["pk": .string("k\(key)"), "region": .number(Number(region)), "payload": .string(String(repeating: "x", count: 80)),
         "n": .number(Number(Int.random(in: 0..<1_000_000, using: &random)))]
    }

    /// Open loop: `rate` writes per second across the regions, each thread on its own schedule
    /// (a thread that falls behind writes without pausing until it is on schedule again).
    static func paced(_ tables: [TableStore], table: String, rate: Double, seconds: Double, threads: Int, stop: StopFlag? = nil) -> Outcome {
        let total = Mutex(Outcome(count: 0, seconds: seconds, latencies: []))
        let perThread = rate / Double(tables.count * threads)
        let started = ContinuousClock.now
        Threads.run(count: tables.count * threads) { index in
            let region = index % tables.count
            var random = SystemRandomNumberGenerator()
            var latencies: [UInt64] = []
            var next = started + .nanoseconds(Int64(Double(index) / Double(tables.count * threads) / perThread * 1e9))
            let interval = Duration.nanoseconds(Int64(1e9 / perThread))
            let end = started + .nanoseconds(Int64(seconds * 1e9))
            while ContinuousClock.now < end && !(stop?.isSet ?? false) {
                let now = ContinuousClock.now
                if next > now { usleep(UInt32(max(1, (next - now).components.attoseconds / 1_000_000_000_000))) ; continue }
                let t0 = ContinuousClock.now
                try! tables[region].putItem(PutItemRequest(tableName: table, item: item(Int.random(in: 0..<200_000, using: &random), region: region, random: &random)), durability: .synced)
                latencies.append(UInt64((ContinuousClock.now - t0).components.attoseconds / 1_000_000_000_000))
                next += interval
            }
            total.withLock {
                $0.count += latencies.count
                $0.latencies += latencies
            }
        }
        return total.withLock { outcome in
            var result = outcome
            result.seconds = min(seconds, Double((ContinuousClock.now - started).components.seconds) + 0.000_001)
            if stop == nil { result.seconds = seconds }
            return result
        }
    }

    /// Closed loop: every thread writes as fast as it can for `seconds`.
    static func closed(_ tables: [TableStore], table: String, seconds: Double, threads: Int) -> Outcome {
        let total = Mutex(Outcome(count: 0, seconds: seconds, latencies: []))
        let end = ContinuousClock.now + .nanoseconds(Int64(seconds * 1e9))
        Threads.run(count: tables.count * threads) { index in
            let region = index % tables.count
            var random = SystemRandomNumberGenerator()
            var latencies: [UInt64] = []
            while ContinuousClock.now < end {
                let t0 = ContinuousClock.now
                try! tables[region].putItem(PutItemRequest(tableName: table, item: item(Int.random(in: 0..<200_000, using: &random), region: region, random: &random)), durability: .synced)
                latencies.append(UInt64((ContinuousClock.now - t0).components.attoseconds / 1_000_000_000_000))
            }
            total.withLock {
                $0.count += latencies.count
                $0.latencies += latencies
            }
        }
        return total.withLock { $0 }
    }

    /// `items` items in batches of 25 (buffered, the last batch synced), keys k0...
    static func load(_ tables: TableStore, table: String, items: Int) throws {
        var random = SystemRandomNumberGenerator()
        var start = 0
        while start < items {
            let end = min(items, start + 25)
            let writes = (start..<end).map { WriteRequest.put(item: ["pk": .string("k\($0)"), "payload": .string(String(repeating: "y", count: 80)),
                                                                      "n": .number(Number(Int.random(in: 0..<1_000_000, using: &random)))]) }
            try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [table: writes]), durability: end == items ? .synced : .buffered)
            start = end
        }
    }

    /// Changes `fraction` of the items in `tables` as if a write from a region that never
    /// reached the others had landed (origin "zz", newer stamps): outside replication, so only
    /// anti-entropy can carry it. Returns how many.
    static func diverge(_ tables: TableStore, table: String, items: Int, fraction: Double) throws -> Int {
        let record = try tables.globalTableRecord(table)!
        let origin = try RegionID("zz-elsewhere")
        let count = Int(Double(items) * fraction)
        var random = SystemRandomNumberGenerator()
        var keys = Set<Int>()
        while keys.count < count { keys.insert(Int.random(in: 0..<items, using: &random)) }
        var changes: [ReplicatedChange] = []
        for key in keys {
            let item: Item = ["pk": .string("k\(key)"), "payload": .string(String(repeating: "z", count: 80)), "n": .number(Number(key))]
            changes.append(.item(ItemChange(
                tableName: table, tableID: record.id, partition: .string("k\(key)"), item: item,
                stamp: WriteStamp(time: tables.store.clock.now(), region: origin), previous: nil)))
            if changes.count == 1000 {
                try tables.applyReplicated(changes, durability: .buffered)
                changes = []
            }
        }
        try tables.applyReplicated(changes, durability: .synced)
        return count
    }
}

/// A flag a controller sets to stop writer threads.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
