import OITHExample
import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// How a write maintains secondary-index and expiry entries: encoded once, and untouched entries
/// not rewritten; checked against the invariant that the engine holds exactly the derived entries
/// of the stored items.
@Suite struct IndexMaintenanceTests {
    /// Cutting an index value out of the item's encoding gives the bytes of encoding the filtered item.
    @Test func restrictedEncodingEqualsEncodingTheFilteredItem() {
        var random = SeededRandom.forTest("restrictedEncodingEqualsEncodingTheFilteredItem", defaultSeed: 0x5EED_4100)
        let names = ["pk", "sk", "a", "b", "name", "é", "", "absent"]
        for _ in 0..<3_000 {
            let item = ItemCodecTests.randomItem(&random)
            let encoded = ItemCodec.Encoded(item)
            #expect(encoded.bytes == ItemCodec.encode(item))
            #expect(encoded.restricted(to: nil) == ItemCodec.encode(item))
            let kept = Set(names.filter { _ in Bool.random(using: &random) })
            #expect(encoded.restricted(to: kept) == ItemCodec.encode(item.filter { kept.contains($0.key) }), "\(item) \(kept)")
        }
    }

    static let user: Item = [
        "email": S("a@x.io"), "lat": N("51.5"), "lon": N("-0.12"), "age": N("30"), "name": S("Ann"),
        "city": S("London"), "visits": N("1"),
    ]

    /// The number of engine operations `appendWrite(old:new:)` puts in the batch.
    static func operations(_ table: TableSchema, old: Item?, new: Item?) throws -> Int {
        var old = old
        var new = new
        let key = try table.prepareForWrite(&new!)
        if old != nil { _ = try table.prepareForWrite(&old!) }
        var batch = WriteBatch()
        table.appendWrite(old: old, new: new, primaryKey: key, to: &batch)
        return batch.count
    }

    @Test func anUpdateOfAnUnindexedAttributeWritesOnlyTheItem() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(OITHSchemas.users, durability: .synced)
        let users = try fixture.tables.table("Users")
        var changed = Self.user
        // Not projected into geohash-age-index: the base entry only.
        changed["visits"] = N("2")
        #expect(try Self.operations(users, old: Self.user, new: changed) == 1)
        // Projected (INCLUDE name): base + the index entry rewritten in place.
        changed["name"] = S("Anna")
        #expect(try Self.operations(users, old: Self.user, new: changed) == 2)
        // The index key moves (age is its sort key): base + delete old entry + put new one.
        changed["age"] = N("31")
        #expect(try Self.operations(users, old: Self.user, new: changed) == 3)
        // The coordinates are stored in the entry: moving within the cell rewrites it.
        changed = Self.user
        changed["lat"] = N("51.5001")
        #expect(try Self.operations(users, old: Self.user, new: changed) == 2)
        // A new item: base + index entry.
        #expect(try Self.operations(users, old: nil, new: Self.user) == 2)
        // Map keys that Swift calls equal but whose bytes differ (NFC and NFD "é") are a change:
        // the entry stores bytes.
        var nfc = Self.user
        nfc["city"] = .map(["\u{E9}": S("x")])
        var nfd = Self.user
        nfd["city"] = .map(["e\u{301}": S("x")])
        #expect(nfc == nfd)
        #expect(ItemCodec.encode(nfc) != ItemCodec.encode(nfd))
        #expect(try Self.operations(users, old: nfc, new: nfd) == 2)
        #expect(try Self.operations(users, old: nfc, new: nfc) == 1)
    }

    @Test func anUnchangedExpiryIsNotRewrittenAndAMovedOneIs() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(OITHSchemas.matches, durability: .synced)
        let matches = try fixture.tables.table("Matches")
        let match: Item = ["userEmail": S("a"), "candidateEmail": S("b"), "score": N("0.5"), "expiresAt": N("2000000000")]
        var changed = match
        changed["note"] = S("x")
        // score-index projects ALL, so its entry changes with any attribute; the expiry entry stays.
        #expect(try Self.operations(matches, old: match, new: changed) == 2)
        changed["expiresAt"] = N("2000000001")
        #expect(try Self.operations(matches, old: match, new: changed) == 4)
        changed["expiresAt"] = nil
        #expect(try Self.operations(matches, old: match, new: changed) == 3)
    }

    /// Every derived entry in the engine, by key.
    static func engineEntries(_ tables: TableStore, _ table: TableSchema) throws -> [[UInt8]: [UInt8]] {
        var entries: [[UInt8]: [UInt8]] = [:]
        for prefix in table.indexes.map(\.prefix) + [table.expiryPrefix] {
            for (key, value) in try tables.store.scan(lowerBound: prefix, upperBound: KeyLayout.end(of: prefix)) {
                entries[key] = value
            }
        }
        return entries
    }

    /// What the derived entries must be: those of the stored items, recomputed from scratch.
    static func expectedEntries(_ tables: TableStore, _ table: TableSchema) throws -> [[UInt8]: [UInt8]] {
        var entries: [[UInt8]: [UInt8]] = [:]
        for (key, value) in try tables.store.scan(lowerBound: table.basePrefix, upperBound: KeyLayout.end(of: table.basePrefix)) {
            let item = try ItemCodec.decode(value)
            for entry in table.derivedEntries(of: item, suffix: Array(key[table.basePrefix.count...])) {
                entries[entry.key] = entry.value
            }
        }
        return entries
    }

    /// Random puts, updates and deletes on Users (geohash INCLUDE index) and Matches (LSI ALL,
    /// TTL): after each round the engine's derived entries equal the stored items' exactly (no
    /// stale value left by a skipped rewrite, no orphan, nothing missing).
    @Test func derivedEntriesAlwaysMatchTheStoredItems() throws {
        var random = SeededGenerator.fromEnvironment("IndexMaintenanceTests.derivedEntries")
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(OITHSchemas.users, durability: .synced)
        try tables.createTable(OITHSchemas.matches, durability: .synced)
        let emails = (0..<12).map { "u\($0)@x.io" }
        func value(_ name: String) -> AttributeValue {
            switch name {
            case "lat": return N(["51.5", "51.5001", "-33.9", "89.99"].randomElement(using: &random)!)
            case "lon": return N(["-0.12", "179.99", "18.4"].randomElement(using: &random)!)
            case "age", "visits", "score": return N("\(Int.random(in: 18...21, using: &random))")
            case "expiresAt": return N("\(Int.random(in: 2_000_000_000...2_000_000_002, using: &random))")
            default: return S(["Ann", "Bo", "Cy"].randomElement(using: &random)!)
            }
        }
        for round in 0..<400 {
            let email = emails.randomElement(using: &random)!
            let candidate = emails.randomElement(using: &random)!
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                var user: Item = ["email": S(email)]
                for name in ["lat", "lon", "age", "name", "city", "visits"] where Int.random(in: 0..<4, using: &random) > 0 {
                    user[name] = value(name)
                }
                try tables.putItem(PutItemRequest(tableName: "Users", item: user), durability: .buffered)
            case 1, 2:
                let name = ["lat", "lon", "age", "name", "city", "visits", "photoUrl"].randomElement(using: &random)!
                let expression = Bool.random(using: &random) ? "SET #n = :v" : "REMOVE #n"
                try tables.updateItem(
                    UpdateItemRequest(
                        tableName: "Users", key: ["email": S(email)], updateExpression: expression,
                        expressionAttributeNames: ["#n": name],
                        expressionAttributeValues: expression.hasPrefix("SET") ? [":v": value(name)] : nil),
                    durability: .buffered)
            case 3:
                try tables.deleteItem(DeleteItemRequest(tableName: "Users", key: ["email": S(email)]), durability: .buffered)
            case 4:
                let name = ["score", "expiresAt", "note"].randomElement(using: &random)!
                let expression = Bool.random(using: &random) ? "SET #n = :v" : "REMOVE #n"
                try tables.updateItem(
                    UpdateItemRequest(
                        tableName: "Matches", key: ["userEmail": S(email), "candidateEmail": S(candidate)], updateExpression: expression,
                        expressionAttributeNames: ["#n": name],
                        expressionAttributeValues: expression.hasPrefix("SET") ? [":v": value(name)] : nil),
                    durability: .buffered)
            default:
                try tables.deleteItem(
                    DeleteItemRequest(tableName: "Matches", key: ["userEmail": S(email), "candidateEmail": S(candidate)]),
                    durability: .buffered)
            }
            if round % 20 == 19 {
                for name in ["Users", "Matches"] {
                    let table = try tables.table(name)
                    #expect(try Self.engineEntries(tables, table) == Self.expectedEntries(tables, table), "round \(round), \(name)")
                }
            }
        }
    }
}
