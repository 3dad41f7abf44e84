import Synchronization
import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

/// Random writes through the table layer (items, a GSI, TTL attributes, deletes, batches,
/// concurrent bursts, tables created and deleted), archive passes, checkpoints, segment
/// rollovers and reopens at random moments; then restores at random instants — exact batch
/// stamps, inside bursts, microseconds between writes, the window's edges — each compared, key
/// by key of the engine (items, index entries, TTL entries, catalog), with the store rebuilt
/// from the committed batches stamped at or before the instant.
@Suite struct RestoreModelTests {
    static let users = CreateTableRequest(
        tableName: "Users", keySchema: [KeySchemaElement(attributeName: "email", keyType: .hash)],
        attributeDefinitions: [AttributeDefinition(attributeName: "email", attributeType: .string),
                               AttributeDefinition(attributeName: "city", attributeType: .string),
                               AttributeDefinition(attributeName: "age", attributeType: .number)],
        globalSecondaryIndexes: [GlobalSecondaryIndex(
            indexName: "by-city", keySchema: [KeySchemaElement(attributeName: "city", keyType: .hash),
                                              KeySchemaElement(attributeName: "age", keyType: .range)],
            projection: .all)],
        timeToLiveSpecification: TimeToLiveSpecification(attributeName: "expires", enabled: true))

    static func user(_ index: Int, _ generator: inout SeededGenerator) -> Item {
        var item: Item = ["email": .string("u\(index)@x.org"), "city": .string(["Oslo", "Lima", "Pune"].randomElement(using: &generator)!),
                          "age": .number(Number(Int.random(in: 18...70, using: &generator))),
                          "bio": .string(String(repeating: "b", count: Int.random(in: 0...120, using: &generator)))]
        if Bool.random(using: &generator) { item["expires"] = .number(Number(Int.random(in: 1_600_000_000...1_800_000_000, using: &generator))) }
        return item
    }

    static func operate(_ tables: TableStore, _ generator: inout SeededGenerator) throws {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0...3:
            _ = try tables.putItem(PutItemRequest(tableName: "Users", item: user(Int.random(in: 0..<60, using: &generator), &generator)), durability: .buffered)
        case 4:
            _ = try tables.updateItem(UpdateItemRequest(
                tableName: "Users", key: ["email": .string("u\(Int.random(in: 0..<60, using: &generator))@x.org")],
                updateExpression: "ADD visits :one SET age = :age",
                expressionAttributeValues: [":one": .number(Number(1)), ":age": .number(Number(Int.random(in: 18...70, using: &generator)))]),
                durability: .buffered)
        case 5:
            _ = try tables.deleteItem(DeleteItemRequest(tableName: "Users", key: ["email": .string("u\(Int.random(in: 0..<60, using: &generator))@x.org")]),
                                      durability: .buffered)
        case 6:
            let requests = (0..<Int.random(in: 1...10, using: &generator)).map { _ in
                WriteRequest.put(item: user(Int.random(in: 60..<200, using: &generator), &generator))
            }
            let unique = Dictionary(requests.map { request -> (String, WriteRequest) in
                guard case .put(let item) = request, case .string(let email)? = item["email"] else { fatalError() }
                return (email, request)
            }, uniquingKeysWith: { first, _ in first })
            _ = try tables.batchWriteItem(BatchWriteItemRequest(requestItems: ["Users": Array(unique.values)]), durability: .buffered)
        case 7:
            if (try? tables.describeTable(DescribeTableRequest(tableName: "Temp"))) == nil {
                _ = try tables.createTable(CreateTableRequest(
                    tableName: "Temp", keySchema: [KeySchemaElement(attributeName: "k", keyType: .hash)],
                    attributeDefinitions: [AttributeDefinition(attributeName: "k", attributeType: .string)]), durability: .buffered)
                for index in 0..<Int.random(in: 1...20, using: &generator) {
                    _ = try tables.putItem(PutItemRequest(tableName: "Temp", item: ["k": .string("t\(index)")]), durability: .buffered)
                }
            } else {
                _ = try tables.deleteTable(DeleteTableRequest(tableName: "Temp"), durability: .buffered)
            }
        default:
            // A burst: four threads at once, committed in groups within one microsecond.
            let seed = generator.next()
            let threads = (0..<4).map { thread in
                BackgroundThread { [tables] in
                    var generator = SeededGenerator(seed: seed &+ UInt64(thread))
                    for _ in 0..<5 {
                        _ = try? tables.putItem(PutItemRequest(tableName: "Users", item: user(Int.random(in: 0..<200, using: &generator), &generator)),
                                                durability: .synced)
                    }
                }
            }
            for thread in threads { thread.join() }
        }
    }

    @Test func restoresEqualTheModelAtRandomInstants() throws {
        var generator = SeededGenerator.fromEnvironment("pitr-model")
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(Self.users, durability: .buffered)
        for step in 0..<260 {
            try Self.operate(fixture.tables, &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...3: fixture.wall.advance(microseconds: 0)  // same microsecond: logical stamps
            case 4...8: fixture.wall.advance(microseconds: Int64.random(in: 1...2_000, using: &generator))
            default: fixture.wall.advance(microseconds: -Int64.random(in: 1...500, using: &generator))  // the wall clock steps back
            }
            if Int.random(in: 0..<8, using: &generator) == 0 { try fixture.archive.archiveNow() }
            if Int.random(in: 0..<40, using: &generator) == 0 { try fixture.archive.checkpointNow() }
            if Int.random(in: 0..<30, using: &generator) == 0 { try fixture.tables.store.flush() }
            if step % 97 == 96 {
                try fixture.collectHistory()
                try fixture.close()
                try fixture.open()
            }
        }
        try fixture.archive.archiveNow()
        try fixture.collectHistory()
        // The reference is complete: rebuilt from every batch, it is the live store.
        #expect(StoreDigest(try fixture.tables.store.scan()) == fixture.expectedDigest(at: .max))
        let window = try #require(fixture.archive.state.window)
        var instants: [HybridTimestamp] = [window.earliest, window.latest]
        for _ in 0..<24 {
            let batch = fixture.history.randomElement(using: &generator)!
            instants.append(batch.stamp)                                     // exactly a batch
            instants.append(HybridTimestamp.endOf(microsecond: batch.stamp.physicalMicroseconds))  // its microsecond
        }
        let segments = fixture.archive.state.segments.values.filter(\.isSealed)
        #expect(segments.count > 2, "segments rolled over")
        for segment in segments.prefix(3) { instants += [segment.lastStamp, segment.lastStamp.advanced(by: 1)] }
        for checkpoint in fixture.archive.state.checkpoints.values { instants.append(checkpoint.stamp) }
        var restored = 0
        for (index, instant) in instants.enumerated() where window.contains(instant) {
            let target = "/restore-\(index)"
            let summary = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .stamp(instant), into: target,
                                                     fileSystem: fixture.fileSystem)
            #expect(summary.lastIncludedStamp <= instant)
            let digest = try fixture.digest(ofStoreAt: target)
            #expect(digest == fixture.expectedDigest(at: instant), "restore to \(instant) differs from the model")
            ArchiveRestore.removeTree(target, fileSystem: fixture.fileSystem)
            restored += 1
        }
        #expect(restored > 40)
        // Outside the window: refused, naming it.
        for outside in [window.latest.advanced(by: 1 << 20), HybridTimestamp(rawValue: max(1, window.earliest.rawValue) - 1)]
            where !window.contains(outside) {
            #expect {
                _ = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .stamp(outside), into: "/outside",
                                               fileSystem: fixture.fileSystem)
            } throws: { error in
                (error as? TernError)?.code == .invalidArgument && "\(error)".contains("window")
            }
        }
        try fixture.close()
    }
}
