import TernEngine
import TernTesting
@testable import TernTables

/// One region's store for replication tests: an in-memory file system, a hybrid logical clock on
/// a physical clock the test sets, a region name, and a change-feed consumer per peer.
final class RegionFixture {
    let region: RegionID
    let fileSystem = FaultInjectingFileSystem()
    let physical: TernTesting.ManualClock
    private(set) var tables: TableStore

    init(_ name: String, microseconds: UInt64 = 1_764_900_000_000_000) throws {
        region = try RegionID(name)
        physical = TernTesting.ManualClock(microseconds: microseconds)
        tables = try RegionFixture.open(fileSystem, physical)
        try tables.setRegion(region, durability: .synced)
    }

    private static func open(_ fileSystem: FaultInjectingFileSystem, _ physical: TernTesting.ManualClock) throws -> TableStore {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.memtableBudgetBytes = 64 << 10
        options.clock = HybridLogicalClock(physicalClock: physical)
        return try TableStore.open(at: "/region", storeOptions: options, clock: TableClock { 1_700_000_000 }, ttlPurgeInterval: nil)
    }

    func reopen() throws {
        try tables.close()
        tables = try RegionFixture.open(fileSystem, physical)
    }

    /// Everything this region committed for `peer` since the last call, applied there; the
    /// consumer is acknowledged only after the peer applied and synced.
    @discardableResult
    func ship(to peer: RegionFixture) throws -> ReplicatedApplyResult {
        let consumer = "to-\(peer.region)"
        try tables.store.sync()
        if tables.store.changeConsumers[consumer] == nil {
            try tables.store.registerChangeConsumer(consumer, acknowledgedThrough: SequenceNumber(0))
        }
        var reader = try tables.store.makeChangeReader(after: tables.store.changeConsumers[consumer]!)
        var total = ReplicatedApplyResult()
        while true {
            let batches = try reader.next(maxBytes: 1 << 20)
            guard let last = batches.last else { break }
            let changes = try tables.replicatedChanges(in: batches)
            let result = try peer.tables.applyReplicated(changes, durability: .synced)
            total.applied += result.applied
            total.stale += result.stale
            total.unknownTable += result.unknownTable
            total.overwritten += result.overwritten
            total.tableOutcomes += result.tableOutcomes
            try tables.store.acknowledgeChanges(consumer: consumer, through: last.lastSequence)
        }
        return total
    }

    /// The table's engine entries with the table id cut off (ids differ between regions): index
    /// id, key and value of every item, index entry, stamp and tombstone.
    func contents(_ table: String) throws -> [(key: [UInt8], value: [UInt8])] {
        let id = try tables.describeTable(DescribeTableRequest(tableName: table)).table.tableID
        let range = KeyLayout.tableRange(id)
        return try tables.store.scan(lowerBound: range.lower, upperBound: range.upper).map { (Array($0.key[4...]), $0.value) }
    }

    /// The keys of one of the table's index ids.
    func keys(_ table: String, index: UInt8) throws -> [[UInt8]] {
        try contents(table).filter { $0.key[0] == index }.map { Array($0.key[1...]) }
    }

    func digest(_ table: String) throws -> StoreDigest {
        StoreDigest(try contents(table))
    }

    deinit { try? tables.close() }
}
