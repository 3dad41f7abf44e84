import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// Global tables in one store and between two: stamps beside items, tombstones, the replicated
/// record that creates a replica, last-writer-wins apply, conflicts counted.
@Suite struct GlobalTableTests {
    static let table = "Pets"

    static func create(_ region: RegionFixture) throws {
        try region.tables.createTable(
            keyedTable(table, globalIndexes: [gsi("by-owner", "owner")], extraDefinitions: [AttributeDefinition(attributeName: "owner", attributeType: .string)]),
            durability: .synced)
    }

    static func makeGlobal(_ region: RegionFixture, with peers: [String]) throws {
        try region.tables.updateTable(
            UpdateTableRequest(tableName: table, replicaUpdates: peers.map { .create(regionName: $0) }), durability: .synced)
    }

    static func pet(_ id: String, owner: String, age: Int = 1) -> Item {
        ["pk": .string(id), "owner": .string(owner), "age": N("\(age)")]
    }

    @Test func aTableNeverMadeGlobalWritesNoStampsOrTombstones() throws {
        let east = try RegionFixture("east")
        try Self.create(east)
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "a"]), durability: .synced)
        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "never"]), durability: .synced)
        try east.tables.put(Self.table, Self.pet("b", owner: "bob"))
        #expect(Set(try east.contents(Self.table).map { $0.key[0] }) == [0, 1])
        #expect(try east.tables.replicatedChanges(in: Self.allBatches(east)).isEmpty)
        #expect(try east.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table.replicas == nil)
    }

    @Test func aGlobalTableStampsEveryWriteAndLeavesTombstones() throws {
        let east = try RegionFixture("east")
        try Self.create(east)
        try east.tables.put(Self.table, Self.pet("old", owner: "ann"))  // before it was global: no stamp
        try Self.makeGlobal(east, with: ["west"])
        let description = try east.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table
        #expect(description.replicas == [
            ReplicaDescription(regionName: "east", replicaStatus: .active), ReplicaDescription(regionName: "west", replicaStatus: .creating),
        ])
        #expect(description.globalTableVersion == "2019.11.21")
        #expect(try east.keys(Self.table, index: KeyLayout.stampIndexID).isEmpty)

        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        let putVersion = try #require(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "a"]))
        #expect(putVersion.stamp.region == east.region && !putVersion.isTombstone)
        #expect(try east.keys(Self.table, index: KeyLayout.stampIndexID) == [KeyEncoding.encode(.string("a"))])

        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "a"]), durability: .synced)
        let deleteVersion = try #require(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "a"]))
        #expect(deleteVersion.isTombstone && deleteVersion.stamp > putVersion.stamp)
        #expect(try east.keys(Self.table, index: KeyLayout.stampIndexID).isEmpty)
        #expect(try east.keys(Self.table, index: KeyLayout.tombstoneIndexID) == [KeyEncoding.encode(.string("a"))])

        // A delete of an absent item is a write too: it must win over older writes still on their way.
        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "ghost"]), durability: .synced)
        #expect(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "ghost"])?.isTombstone == true)

        // A put over a tombstone removes it; the unstamped item counts as written at zero by east.
        try east.tables.put(Self.table, Self.pet("a", owner: "amy"))
        #expect(try east.keys(Self.table, index: KeyLayout.tombstoneIndexID) == [KeyEncoding.encode(.string("ghost"))])
        #expect(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "old"])?.stamp == WriteStamp(time: .zero, region: east.region))
    }

    @Test func shippedChangesAreTheLocalWritesWithTheirStamps() throws {
        let (east, west) = try Self.pair()
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        try east.tables.batchWriteItem(
            BatchWriteItemRequest(requestItems: [Self.table: [.put(item: Self.pet("b", owner: "bob")), .delete(key: ["pk": "a"])]]), durability: .synced)
        let changes = try east.tables.replicatedChanges(in: Self.allBatches(east)).compactMap { change -> ItemChange? in
            if case .item(let item) = change { return item } else { return nil }
        }
        #expect(changes.map(\.key) == [KeyEncoding.encode(.string("a")), KeyEncoding.encode(.string("b")), KeyEncoding.encode(.string("a"))])
        #expect(changes.map { $0.item == nil } == [false, false, true])
        #expect(changes[2].previous == changes[0].stamp)
        #expect(changes.allSatisfy { $0.stamp.region == east.region })
        // West applies them; what west applied is not shipped again.
        try east.ship(to: west)
        #expect(try west.tables.replicatedChanges(in: Self.allBatches(west)).allSatisfy {
            if case .item = $0 { return false } else { return true }
        })
    }

    @Test func theReplicatedRecordCreatesTheReplicaAndItConverges() throws {
        let east = try RegionFixture("east")
        let west = try RegionFixture("west")
        try Self.create(east)
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        try Self.makeGlobal(east, with: ["west"])
        try east.tables.put(Self.table, Self.pet("b", owner: "bob"))
        let result = try east.ship(to: west)
        #expect(result.tableOutcomes == [.created(tableName: Self.table)])
        #expect(try west.tables.get(Self.table, ["pk": "b"]) == Self.pet("b", owner: "bob"))
        // West's announcement (ACTIVE) reaches east.
        let back = try west.ship(to: east)
        #expect(back.tableOutcomes == [.updated(tableName: Self.table)])
        for region in [east, west] {
            #expect(try region.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table.replicas?.map(\.replicaStatus) == [.active, .active])
        }
        // The item from before the table was global is not in the feed (anti-entropy copies it).
        #expect(try west.tables.get(Self.table, ["pk": "a"]) == nil)
    }

    @Test func concurrentWritesConvergeToTheGreaterStampAndTheLoserIsCounted() throws {
        let (east, west) = try Self.pair()
        // The same clock reading in both regions: the region name breaks the tie (west > east).
        try east.tables.put(Self.table, Self.pet("a", owner: "east-owner"))
        try west.tables.put(Self.table, Self.pet("a", owner: "west-owner"))
        let eastVersion = try #require(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "a"])).stamp
        let westVersion = try #require(try west.tables.itemVersion(tableName: Self.table, key: ["pk": "a"])).stamp
        #expect(eastVersion.time == westVersion.time && eastVersion < westVersion)
        let intoWest = try east.ship(to: west)
        let intoEast = try west.ship(to: east)
        #expect(intoWest.applied == 0 && intoWest.stale == 1 && intoWest.overwritten.isEmpty)
        #expect(intoEast.applied == 1 && intoEast.overwritten == [
            OverwrittenWrite(tableName: Self.table, key: KeyEncoding.encode(.string("a")), local: eastVersion, remote: westVersion),
        ])
        #expect(try east.digest(Self.table) == west.digest(Self.table))
        #expect(try east.tables.get(Self.table, ["pk": "a"])?["owner"] == "west-owner")
        // The index moved with the item.
        let byOwner = try east.tables.queryAll(QueryRequest(
            tableName: Self.table, indexName: "by-owner", keyConditionExpression: "#o = :o",
            expressionAttributeNames: ["#o": "owner"], expressionAttributeValues: [":o": "east-owner"])).items
        #expect(byOwner.isEmpty)
    }

    @Test func aCausalOverwriteIsNotAConflictAndApplyingTwiceChangesNothing() throws {
        let (east, west) = try Self.pair()
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        try east.ship(to: west)
        west.physical.advance(microseconds: 10)
        try west.tables.put(Self.table, Self.pet("a", owner: "bob"))  // west saw east's write
        let result = try west.ship(to: east)
        #expect(result.applied == 1 && result.overwritten.isEmpty)
        let batches = try Self.allBatches(west)
        let again = try east.tables.applyReplicated(try west.tables.replicatedChanges(in: batches), durability: .synced)
        #expect(again.applied == 0 && again.stale == 1)
        #expect(try east.digest(Self.table) == west.digest(Self.table))
    }

    @Test func aDeleteOrdersAgainstPutsByStampWhereverItArrives() throws {
        let (east, west) = try Self.pair()
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        west.physical.advance(microseconds: 5)
        try west.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "a"]), durability: .synced)
        try west.ship(to: east)  // the delete first: east's put is older
        try east.ship(to: west)  // the older put arrives after the tombstone: no resurrection
        #expect(try east.tables.get(Self.table, ["pk": "a"]) == nil)
        #expect(try west.tables.get(Self.table, ["pk": "a"]) == nil)
        #expect(try east.digest(Self.table) == west.digest(Self.table))
    }

    @Test func aMalformedChangeIsRefusedAndWritesNothing() throws {
        let (east, west) = try Self.pair()
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        let change = try #require(try east.tables.replicatedChanges(in: Self.allBatches(east)).compactMap { change -> ItemChange? in
            if case .item(let item) = change { return item } else { return nil }
        }.first)
        let before = try west.digest(Self.table)
        var wrongKey = change
        wrongKey.key = KeyEncoding.encode(.string("b"))
        var badItem = change
        badItem.item = [0xFF, 0x00]
        var numberKey = change
        numberKey.key = KeyEncoding.encode(.number(num("7")))
        for bad in [wrongKey, badItem, numberKey] {
            #expect(throws: (any Error).self) { try west.tables.applyReplicated([.item(bad)], durability: .synced) }
        }
        #expect(try west.digest(Self.table) == before)
        // Another incarnation of the table (another global identity) is not this table.
        var otherTable = change
        otherTable.tableID = GlobalTableID(region: east.region, time: HybridTimestamp(rawValue: 1))
        #expect(try west.tables.applyReplicated([.item(otherTable)], durability: .synced).unknownTable == 1)
        #expect(try west.digest(Self.table) == before)
    }

    @Test func tombstonesArePurgedOnlyBeforeTheHorizon() throws {
        let (east, _) = try Self.pair()
        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "a"]), durability: .synced)
        let first = try #require(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "a"])).stamp
        east.physical.advance(microseconds: 1000)
        try east.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": "b"]), durability: .synced)
        #expect(try east.tables.purgeTombstones(before: first.time, durability: .synced) == 0)
        #expect(try east.tables.purgeTombstones(before: first.time.advanced(by: 1), durability: .synced) == 1)
        #expect(try east.keys(Self.table, index: KeyLayout.tombstoneIndexID) == [KeyEncoding.encode(.string("b"))])
    }

    @Test func removingARegionDetachesItsReplicaWhichKeepsTheData() throws {
        let (east, west) = try Self.pair()
        try west.tables.put(Self.table, Self.pet("a", owner: "ann"))
        try east.tables.updateTable(UpdateTableRequest(tableName: Self.table, replicaUpdates: [.delete(regionName: "west")]), durability: .synced)
        let result = try east.ship(to: west)
        #expect(result.tableOutcomes == [.detached(tableName: Self.table)])
        #expect(try west.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table.replicas == nil)
        #expect(try west.tables.get(Self.table, ["pk": "a"]) != nil)
        #expect(try west.keys(Self.table, index: KeyLayout.stampIndexID).isEmpty)
    }

    @Test func replicaUpdatesAreValidated() throws {
        let (east, _) = try Self.pair()
        for updates: [ReplicaUpdate] in [[.create(regionName: "west")], [.create(regionName: "east")], [.delete(regionName: "north")],
                                         [.create(regionName: "bad name")], []] {
            #expect(throws: DynamoError.self) {
                try east.tables.updateTable(UpdateTableRequest(tableName: Self.table, replicaUpdates: updates), durability: .synced)
            }
        }
        let lonely = try RegionFixture("solo")
        try lonely.tables.close()
    }

    @Test func aStoreWithoutARegionCannotMakeATableGlobal() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("T1x"), durability: .synced)
        #expect(throws: DynamoError.self) {
            try fixture.tables.updateTable(UpdateTableRequest(tableName: "T1x", replicaUpdates: [.create(regionName: "west")]), durability: .synced)
        }
    }

    @Test func globalStateSurvivesAReopen() throws {
        let (east, _) = try Self.pair()
        try east.reopen()
        #expect(east.tables.region == east.region)
        #expect(try east.tables.globalTableRecord(Self.table)?.replicas.count == 2)
        try east.tables.put(Self.table, Self.pet("a", owner: "ann"))
        #expect(try east.tables.itemVersion(tableName: Self.table, key: ["pk": "a"]) != nil)
    }

    // MARK: - Helpers

    /// East and west, each holding the global table (west created it from east's record).
    static func pair() throws -> (RegionFixture, RegionFixture) {
        let east = try RegionFixture("east")
        let west = try RegionFixture("west")
        try create(east)
        try makeGlobal(east, with: ["west"])
        try east.ship(to: west)
        try west.ship(to: east)
        return (east, west)
    }

    /// Every batch of the region's feed that is still kept (from the start).
    static func allBatches(_ region: RegionFixture) throws -> [CommittedBatch] {
        try region.tables.store.sync()
        let consumer = "all-\(UInt64.random(in: 0...UInt64.max))"
        try region.tables.store.registerChangeConsumer(consumer, acknowledgedThrough: SequenceNumber(0))
        defer { try? region.tables.store.unregisterChangeConsumer(consumer) }
        var reader = try region.tables.store.makeChangeReader(after: SequenceNumber(0))
        var batches: [CommittedBatch] = []
        while true {
            let next = try reader.next(maxBytes: 1 << 20)
            if next.isEmpty { return batches }
            batches += next
        }
    }
}

@Suite struct GlobalTableTimeToLiveTests {
    @Test func anExpiredVersionLeavesATombstoneWithItsOwnStampThatIsNotShipped() throws {
        let east = try RegionFixture("east")
        try east.tables.createTable(keyedTable("Cache", ttl: "expires"), durability: .synced)
        try east.tables.updateTable(UpdateTableRequest(tableName: "Cache", replicaUpdates: [.create(regionName: "west")]), durability: .synced)
        try east.tables.put("Cache", ["pk": "a", "expires": N("1600000000")])  // long expired on the fixture's clock
        let version = try #require(try east.tables.itemVersion(tableName: "Cache", key: ["pk": "a"]))
        let before = try GlobalTableTests.allBatches(east).count
        #expect(try east.tables.purgeExpired(durability: .synced) == 1)
        let after = try #require(try east.tables.itemVersion(tableName: "Cache", key: ["pk": "a"]))
        #expect(after.isTombstone && after.stamp == version.stamp)
        let purgeBatches = Array(try GlobalTableTests.allBatches(east).dropFirst(before))
        #expect(!purgeBatches.isEmpty)
        #expect(try east.tables.replicatedChanges(in: purgeBatches).isEmpty)
    }
}
