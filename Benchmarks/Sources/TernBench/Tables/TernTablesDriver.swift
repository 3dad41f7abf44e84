import OITHExample
import TernEngine
import TernTables

/// Tern's table layer through its public API: `OITHSchemas.users` (geohash index on lat/lon at
/// precision 4, sorted by age, projecting the match-card fields) and `OITHSchemas.messages`.
/// Items are built as `Item` dictionaries per call, as an application would build requests.
final class TernTablesDriver: TablesDriver {
    let tables: TableStore
    let settings: TablesSettings

    private init(tables: TableStore, settings: TablesSettings) {
        self.tables = tables
        self.settings = settings
    }

    static func open(directory: String, settings: TablesSettings) throws -> TernTablesDriver {
        var options = StoreOptions()
        options.memtableBudgetBytes = settings.writeBufferBytes
        options.blockCacheBytes = settings.blockCacheBytes
        options.compression = settings.ternCompressesBlocks ? .lz4 : .none
        options.bloomBitsPerKey = 10
        let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system)
        return TernTablesDriver(tables: tables, settings: settings)
    }

    var configurationSummary: String {
        "Tern TableStore (this tree, release build): OITH Users (geohash-age-index, precision "
            + "\(GeohashIndex.defaultPrecision), INCLUDE \(OITHSchemas.matchCardAttributes.joined(separator: ","))) "
            + "and Messages; \(settings.ternCompressesBlocks ? "LZ4" : "no compression"), 10-bit Bloom, memtable \(settings.writeBufferBytes >> 20) MiB, "
            + "block cache \(settings.blockCacheBytes >> 20) MiB; writes .buffered (.synced for putitem-synced)"
    }

    func createTables() throws {
        try tables.createTable(OITHSchemas.users, durability: .synced)
        try tables.createTable(OITHSchemas.messages, durability: .synced)
    }

    static func item(_ user: SyntheticUser) throws -> Item {
        [
            "email": .string(user.email), "name": .string(user.name), "age": .number(Number(user.age)),
            "gender": .string(user.gender), "interestedIn": .stringSet(user.interestedIn), "city": .string(user.city),
            // Shortest round-trip text, as ItemEncoder writes doubles.
            "lat": .number(try Number(user.latitude.description)), "lon": .number(try Number(user.longitude.description)),
            "photoUrl": .string(user.photoURL), "bio": .string(user.bio), "interests": .list(user.interests.map { .string($0) }),
        ]
    }

    static func item(_ message: SyntheticMessage) -> Item {
        [
            "conversationId": .string(message.conversationId), "messageId": .string(message.messageId),
            "sender": .string(message.sender), "body": .string(message.body), "sentAt": .number(Number(message.sentAt)),
        ]
    }

    func loadUsers(_ users: [SyntheticUser]) throws {
        let requests = try users.map { WriteRequest.put(item: try TernTablesDriver.item($0)) }
        try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [OITHSchemas.usersTableName: requests]), durability: .buffered)
    }

    func loadMessages(_ messages: [SyntheticMessage]) throws {
        let requests = messages.map { WriteRequest.put(item: TernTablesDriver.item($0)) }
        try tables.batchWriteItem(BatchWriteItemRequest(requestItems: ["Messages": requests]), durability: .buffered)
    }

    func settle() throws {
        try tables.store.sync()
        tables.store.waitForCompactions()
    }

    func putUser(_ user: SyntheticUser, durability: WriteDurability) throws {
        try tables.putItem(
            PutItemRequest(tableName: OITHSchemas.usersTableName, item: try TernTablesDriver.item(user)),
            durability: durability == .synced ? .synced : .buffered)
    }

    func getUser(email: String) throws -> UserReadback? {
        let response = try tables.getItem(GetItemRequest(tableName: OITHSchemas.usersTableName, key: ["email": .string(email)]))
        guard let item = response.item else { return nil }
        guard case .string(let storedEmail)? = item["email"], case .number(let age)? = item["age"] else {
            throw BenchError("GetItem \(email): item without email or age")
        }
        var visits = 0
        if case .number(let count)? = item["visits"] { visits = Int(count.doubleValue) }
        return UserReadback(email: storedEmail, age: Int(age.doubleValue), visits: visits, fields: item.count)
    }

    func touchUser(email: String, lastActive: Int) throws {
        try tables.updateItem(
            UpdateItemRequest(
                tableName: OITHSchemas.usersTableName, key: ["email": .string(email)],
                updateExpression: "SET lastActive = :t ADD visits :one",
                expressionAttributeValues: [":t": .number(Number(lastActive)), ":one": .number(Number(1))]),
            durability: .buffered)
    }

    func latestMessages(conversationId: String, limit: Int) throws -> PageOutcome {
        let page = try tables.query(
            QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversationId = :c",
                expressionAttributeValues: [":c": .string(conversationId)], limit: limit, scanIndexForward: false))
        var outcome = PageOutcome()
        var previous: String?
        for item in page.items {
            guard case .string(let messageId)? = item["messageId"] else { throw BenchError("Query: item without messageId") }
            if let previous, !(messageId < previous) { outcome.descending = false }
            previous = messageId
            outcome.count += 1
            outcome.digest = foldDigest(outcome.digest, messageId)
        }
        return outcome
    }

    func match(_ query: MatchQuery) throws -> MatchOutcome {
        let page = try tables.nearby(
            NearbyRequest(
                tableName: OITHSchemas.usersTableName, latitude: query.latitude, longitude: query.longitude,
                radiusKilometers: query.radiusKilometers,
                sortKeyCondition: .between(.number(Number(query.ageLow)), .number(Number(query.ageHigh))),
                projectionExpression: "email, #n, age, gender, city", expressionAttributeNames: ["#n": "name"],
                limit: query.limit))
        var outcome = MatchOutcome(evaluated: page.scannedCount, returned: page.count)
        for item in page.items {
            guard case .string(let email)? = item["email"] else { throw BenchError("nearby: item without email") }
            outcome.digest = foldDigest(outcome.digest, email)
        }
        return outcome
    }

    var statisticsSummary: String {
        let statistics = tables.store.statistics
        let lookups = statistics.blockCacheHits + statistics.blockCacheMisses
        let hitRatio = lookups == 0 ? 0 : Double(statistics.blockCacheHits) / Double(lookups)
        let levelMebibytes = statistics.levelSizesBytes.map { formatFixed(Double($0) / 1_048_576, 1) }.joined(separator: ", ")
        return "files per level \(statistics.levelFileCounts), MiB per level [\(levelMebibytes)], "
            + "\(statistics.flushes) flushes, \(statistics.compactions) compactions, "
            + "WA \(formatFixed(statistics.writeAmplification, 2)), block cache hits \(formatFixed(100 * hitRatio, 1)) %, "
            + "stalls \(statistics.stallMicroseconds / 1000) ms, slowdowns \(statistics.slowdownMicroseconds / 1000) ms"
    }

    func makeWorker() throws -> TernTablesDriver { self }

    func closeWorker() throws {}

    func close() throws { try tables.close() }
}
