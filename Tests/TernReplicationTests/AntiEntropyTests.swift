import Synchronization
import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernReplication

/// Anti-entropy between two stores, transport-free (the initiator's frames go straight to the
/// receiver and back, through the codec): divergence of every kind is found and repaired both
/// ways, last writer wins; identical tables compare equal without exchanging keys.
@Suite struct AntiEntropyTests {
    static let table = "Pets"

    final class Region {
        let region: RegionID
        let tables: TableStore
        let physical: TernTesting.ManualClock

        init(_ name: String) throws {
            region = try RegionID(name)
            physical = TernTesting.ManualClock()
            var options = StoreOptions()
            options.fileSystem = MemoryFileSystem()
            options.clock = HybridLogicalClock(physicalClock: physical)
            tables = try TableStore.open(at: "/\(name)", storeOptions: options, clock: TableClock { 1_700_000_000 }, ttlPurgeInterval: nil)
            try tables.setRegion(region, durability: .synced)
        }

        func put(_ key: String, _ value: Int) throws {
            physical.advance(microseconds: 10)
            try tables.putItem(PutItemRequest(tableName: AntiEntropyTests.table, item: ["pk": .string(key), "v": .number(Number(value))]), durability: .synced)
        }

        func delete(_ key: String) throws {
            physical.advance(microseconds: 10)
            try tables.deleteItem(DeleteItemRequest(tableName: AntiEntropyTests.table, key: ["pk": .string(key)]), durability: .synced)
        }

        func versions() throws -> [StoredVersion] {
            let id = try tables.globalTableRecord(AntiEntropyTests.table)!.id
            var all: [StoredVersion] = []
            try tables.forEachVersion(tableName: AntiEntropyTests.table, id: id) { all.append($0) }
            return all.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        }
    }

    /// East holds the table with `count` items from before it was global; west has the replica.
    static func pair(items count: Int = 0) throws -> (Region, Region) {
        let east = try Region("east")
        let west = try Region("west")
        try east.tables.createTable(CreateTableRequest(
            tableName: table, keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest),
            durability: .synced)
        for index in 0..<count { try east.put("old\(index)", index) }
        try east.tables.updateTable(UpdateTableRequest(tableName: table, replicaUpdates: [.create(regionName: "west")]), durability: .synced)
        #expect(try east.tables.isResyncPending(for: west.region), "the new replica is to be resynchronized")
        _ = try west.tables.applyTableMetadata(try east.tables.tableMetadata(tableName: table)!, durability: .synced)
        return (east, west)
    }

    /// One session from `initiator` to `receiver`, every frame through the codec.
    static func session(
        _ initiator: Region, _ receiver: Region,
        initiatorOverwritten: @escaping @Sendable ([OverwrittenWrite]) -> Void = { _ in },
        receiverOverwritten: @escaping @Sendable ([OverwrittenWrite]) -> Void = { _ in }
    ) throws -> AntiEntropyReport {
        var engine = AntiEntropyInitiator(tables: initiator.tables, peer: receiver.region, maxFrameBytes: 300)
        engine.onOverwritten = initiatorOverwritten
        let answering = AntiEntropyReceiver(
            tables: receiver.tables, peer: initiator.region, maxFrameBytes: 300, onOverwritten: receiverOverwritten)
        var replies: [PeerMessage] = []
        func wire(_ message: PeerMessage) throws -> PeerMessage {
            var bytes = message.frame.encoded
            return try PeerMessage(Frame.split(&bytes)[0])
        }
        return try engine.run(
            tableName: table, session: 42,
            send: { messages in
                for message in messages {
                    guard case .antiEntropy(let request) = try wire(message) else { continue }
                    replies += try answering.receive(request).map(wire)
                }
            },
            receive: {
                defer { replies = [] }
                return replies
            })
    }

    @Test func theItemsFromBeforeTheTableWasGlobalAreCopied() throws {
        let (east, west) = try Self.pair(items: 40)
        let report = try Self.session(east, west)
        #expect(report.pushed == 40 && report.pulled == 0 && report.refusal == nil, "\(report)")
        #expect(try east.versions() == west.versions())
        let again = try Self.session(east, west)
        #expect(again.leavesDiffering == 0 && again.keysCompared == 0 && again.pushed == 0, "\(again)")
    }

    /// A repair that replaces a local write with a concurrent later one reports it on the side
    /// whose write lost, as the stream does, so conflicts resolved by anti-entropy are counted too.
    @Test func concurrentWritesARepairOverwritesAreReportedOnTheLosingSide() throws {
        let (east, west) = try Self.pair()
        for index in 0..<10 { try east.put("k\(index)", index) }
        _ = try Self.session(east, west)
        try west.put("k3", 300)
        try east.put("k3", 301)  // concurrent with west's, later: west's write loses (pushed)
        try east.put("k7", 700)
        west.physical.advance(microseconds: 1_000)  // west's clock is behind east's: catch up
        try west.put("k7", 701)  // concurrent with east's, later: east's write loses (pulled)
        try east.put("k8", 800)  // only east wrote: west's version is the one it replaced, no conflict
        let atEast = Mutex<[OverwrittenWrite]>([])
        let atWest = Mutex<[OverwrittenWrite]>([])
        let report = try Self.session(
            east, west,
            initiatorOverwritten: { writes in atEast.withLock { $0 += writes } },
            receiverOverwritten: { writes in atWest.withLock { $0 += writes } })
        #expect(report.pushed == 2 && report.pulled == 1 && report.refusal == nil, "\(report)")
        let eastLost = atEast.withLock { $0 }
        let westLost = atWest.withLock { $0 }
        #expect(eastLost.count == 1 && eastLost.allSatisfy { $0.local.region == east.region && $0.remote.region == west.region }, "\(eastLost)")
        #expect(westLost.count == 1 && westLost.allSatisfy { $0.local.region == west.region && $0.remote.region == east.region }, "\(westLost)")
        #expect(try east.versions() == west.versions())
    }

    @Test func divergenceOfEveryKindIsRepairedBothWaysLastWriterWins() throws {
        let (east, west) = try Self.pair()
        for index in 0..<30 { try east.put("k\(index)", index) }
        _ = try Self.session(east, west)
        // Now diverge without replication: newer on either side, only on one side, deletes.
        try east.put("k1", 100)          // east newer
        try west.put("k2", 200)          // west newer
        try west.put("k3", 300)
        try east.put("k3", 301)          // both wrote; east's is later
        try east.delete("k4")            // a newer tombstone on east
        try west.delete("k5")            // ... on west
        try east.put("east-only", 1)
        try west.put("west-only", 2)
        let report = try Self.session(east, west)
        #expect(report.leavesDiffering > 0 && report.refusal == nil, "\(report)")
        #expect(report.pushed == 4 && report.pulled == 3, "\(report)")  // k1, k3, k4, east-only / k2, k5, west-only
        #expect(try east.versions() == west.versions())
        #expect(try west.tables.getItem(GetItemRequest(tableName: Self.table, key: ["pk": "k3"])).item?["v"] == .number(Number(301)))
        #expect(try east.tables.getItem(GetItemRequest(tableName: Self.table, key: ["pk": "k5"])).item == nil)
    }

    @Test func aPeerWithoutTheTableRefusesAndTheRecordCreatesIt() throws {
        let east = try Region("east")
        let west = try Region("west")
        try east.tables.createTable(CreateTableRequest(
            tableName: Self.table, keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest),
            durability: .synced)
        try east.put("a", 1)
        try east.tables.updateTable(UpdateTableRequest(tableName: Self.table, replicaUpdates: [.create(regionName: "west")]), durability: .synced)
        // West never received the record (its stream skipped it): the session's re-announcement creates the replica.
        let report = try Self.session(east, west)
        #expect(report.refusal == nil && report.pushed == 1, "\(report)")
        #expect(try east.versions() == west.versions())
    }

    @Test func leavesFoldAndBucketByKey() {
        var leaves = MerkleLeaves()
        let east = try! RegionID("east")
        for index in 0..<1000 {
            leaves.add(StoredVersion(key: Array("key\(index)".utf8), stamp: WriteStamp(time: HybridTimestamp(rawValue: UInt64(index)), region: east), previous: nil, item: [1]))
        }
        #expect(MerkleLeaves.bits(forVersions: 1000) == 7 && MerkleLeaves.bits(forVersions: 1_000_000) == 16 && MerkleLeaves.bits(forVersions: 0) == 4)
        let coarse = leaves.folded(bits: 4)
        #expect(coarse.count == 16 && coarse.reduce(0, &+) == leaves.folded(bits: 16).reduce(0, &+))
        #expect(MerkleLeaves.leaf(of: Array("key1".utf8), bits: 4) == MerkleLeaves.leaf(of: Array("key1".utf8), bits: 16) >> 12)
    }
}
