import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// The catalog record format (docs/tables.md, "Catalog format"): golden vectors, version refusal,
/// and corrupt records reported rather than trapping.
@Suite struct CatalogRecordTests {
    static func pets() -> CatalogRecord.Stored {
        let description = TableDescription(
            tableName: "Pets", keySchema: [KeySchemaElement(attributeName: "id", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "id", attributeType: .string)], tableStatus: .active,
            creationDateTime: 1_700_000_000, billingMode: .payPerRequest, provisionedThroughput: nil, globalSecondaryIndexes: nil,
            localSecondaryIndexes: nil, geohashIndex: nil, timeToLive: nil, tableID: 7)
        return CatalogRecord.Stored(description: description, globalIndexIDs: [], localIndexIDs: [], geohashIndexID: nil)
    }

    static let petsHex = "01 00000007 01 01 04 50657473 80c49fd50c 01 02 6964 00 01 02 6964 53 01 00 00 00 00 00"

    static func users() throws -> CatalogRecord.Stored {
        var request = keyedTable(
            "Users", pk: "email", globalIndexes: [gsi("by-city", "city", projection: .keysOnly)],
            extraDefinitions: [
                AttributeDefinition(attributeName: "city", attributeType: .string), AttributeDefinition(attributeName: "cell", attributeType: .string),
                AttributeDefinition(attributeName: "age", attributeType: .number),
            ], ttl: "ttl")
        request.billingMode = .provisioned
        request.provisionedThroughput = ProvisionedThroughput(readCapacityUnits: 5, writeCapacityUnits: 300)
        request.geohashIndex = GeohashIndex(
            indexName: "near", cellAttributeName: "cell", sortAttributeName: "age", precision: 4, projection: .include(["name"]))
        return try TableValidation.validate(request, tableID: 2, now: -1)
    }

    static let usersHex = """
        01 00000002 01 01 05 5573657273 01
        01 05 656d61696c 00
        04 05 656d61696c 53 04 63697479 53 04 63656c6c 53 03 616765 4e
        00 01 05 ac02
        01 03 74746c 01
        01 01 07 62792d63697479 01 04 63697479 00 01 00 00
        00
        01 02 04 6e656172 03 6c6174 03 6c6f6e 04 63656c6c 01 03 616765 04 02 01 04 6e616d65
        """

    @Test func goldenVectors() throws {
        #expect(CatalogRecord.formatVersion == 1)
        for (stored, vector) in [(Self.pets(), Self.petsHex), (try Self.users(), Self.usersHex)] {
            let golden = bytes(hex: vector)
            #expect(hex(CatalogRecord.encode(stored)) == hex(golden), "\(stored.description.tableName)")
            #expect(try CatalogRecord.decode(golden) == stored)
        }
    }

    @Test func newerVersionsAreRefused() throws {
        var record = bytes(hex: Self.petsHex)
        record[0] = 2
        #expect(throws: TernError.self) { try CatalogRecord.decode(record) }
        do {
            _ = try CatalogRecord.decode(record)
        } catch let error as TernError {
            #expect(error.code == .unsupportedFormat)
        }
        var keyVersion = bytes(hex: Self.petsHex)
        keyVersion[5] = 9
        #expect((try? CatalogRecord.decode(keyVersion)) == nil)
    }

    @Test func corruptRecordsAreReportedNeverServed() throws {
        var random = SeededGenerator.fromEnvironment("CatalogRecordTests.corrupt")
        let golden = CatalogRecord.encode(try Self.users())
        for length in 0..<golden.count {
            #expect(throws: (any Error).self) { try CatalogRecord.decode(Array(golden.prefix(length))) }
        }
        for _ in 0..<3000 {
            var mutated = golden
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            // Either a clean error or a consistent record: never a trap.
            if let decoded = try? CatalogRecord.decode(mutated) {
                #expect(try CatalogRecord.decode(CatalogRecord.encode(decoded)) == decoded)
            }
        }
    }

    @Test func aDamagedCatalogFailsTheOpen() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("Damaged"), durability: .synced)
        var batch = WriteBatch()
        batch.put(KeyLayout.catalogKey("Damaged"), [0x01, 0x00])
        try fixture.tables.store.write(batch, durability: .synced)
        #expect(throws: TernError.self) { try fixture.reopen() }
    }
}
