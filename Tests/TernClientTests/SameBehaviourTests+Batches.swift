import Testing
import TernClient
import TernTables
import TernTesting

/// The behaviour suite, continued: batches, transactions, `nearby`, and a seeded random history.
extension SameBehaviourTests {
    static func simpleTable(_ name: String) -> CreateTableRequest {
        CreateTableRequest(tableName: name, keySchema: [key("pk")], attributeDefinitions: [definition("pk")], billingMode: .payPerRequest)
    }

    @Test("batches and transactions: results, unprocessed nothing, cancellation reasons with items, validation")
    func batchesAndTransactions() async throws {
        let lines = try await expectSameBehaviour("batches") { tables, log in
            try await tables.createTable(Self.simpleTable("Aaa"), durability: .synced)
            try await tables.createTable(Self.simpleTable("Bbb"), durability: .synced)
            let puts = (0..<20).map { WriteRequest.put(item: ["pk": .string("a\($0)"), "n": .number(Number($0))]) }
            await log.record("batch write", {
                try await tables.batchWriteItem(BatchWriteItemRequest(requestItems: [
                    "Aaa": puts, "Bbb": [.put(item: ["pk": "b1", "x": "y"]), .put(item: ["pk": "b2"]), .delete(key: ["pk": "b9"])],
                ]), durability: .synced)
            }) { "unprocessed \($0.unprocessedItems.count)" }
            await log.record("batch write 26", {
                try await tables.batchWriteItem(BatchWriteItemRequest(requestItems: [
                    "Aaa": (0..<26).map { WriteRequest.put(item: ["pk": .string("z\($0)")]) }
                ]), durability: .synced)
            }) { "unprocessed \($0.unprocessedItems.count)" }
            await log.record("batch write twice one key", {
                try await tables.batchWriteItem(BatchWriteItemRequest(requestItems: [
                    "Aaa": [.put(item: ["pk": "dup"]), .delete(key: ["pk": "dup"])]
                ]), durability: .synced)
            }) { "unprocessed \($0.unprocessedItems.count)" }
            await log.record("batch get", {
                try await tables.batchGetItem(BatchGetItemRequest(requestItems: [
                    "Aaa": KeysAndAttributes(keys: [["pk": "a3"], ["pk": "a1"], ["pk": "missing"]], projectionExpression: "n"),
                    "Bbb": KeysAndAttributes(keys: [["pk": "b1"], ["pk": "b2"]]),
                ]))
            }) { response in
                response.responses.keys.sorted().map { "\($0): \(Transcript.render(response.responses[$0]!))" }.joined(separator: "; ")
                    + " unprocessed \(response.unprocessedKeys.count)"
            }
            await log.record("batch get missing table", {
                try await tables.batchGetItem(BatchGetItemRequest(requestItems: ["Nope": KeysAndAttributes(keys: [["pk": "a"]])]))
            }) { "\($0.responses.count)" }
            let good: [TransactWriteItem] = [
                .put(TransactPut(tableName: "Aaa", item: ["pk": "t1", "v": 1])),
                .update(TransactUpdate(tableName: "Aaa", key: ["pk": "a1"], updateExpression: "ADD n :ten", expressionAttributeValues: [":ten": 10])),
                .delete(TransactDelete(tableName: "Bbb", key: ["pk": "b2"])),
                .conditionCheck(ConditionCheck(tableName: "Bbb", key: ["pk": "b1"], conditionExpression: "x = :y", expressionAttributeValues: [":y": "y"])),
            ]
            await log.record("transact", { try await tables.transactWriteItems(TransactWriteItemsRequest(transactItems: good), durability: .synced) }) {
                "done"
            }
            let failing: [TransactWriteItem] = [
                .put(TransactPut(tableName: "Aaa", item: ["pk": "t2"])),
                .put(TransactPut(
                    tableName: "Aaa", item: ["pk": "t1"], conditionExpression: "attribute_not_exists(pk)",
                    returnValuesOnConditionCheckFailure: .allOld)),
                .conditionCheck(ConditionCheck(tableName: "Bbb", key: ["pk": "b1"], conditionExpression: "attribute_exists(pk)")),
            ]
            await log.record("transact failing", {
                try await tables.transactWriteItems(TransactWriteItemsRequest(transactItems: failing), durability: .synced)
            }) { "done" }
            await log.record("transact one item twice", {
                try await tables.transactWriteItems(TransactWriteItemsRequest(transactItems: [
                    .put(TransactPut(tableName: "Aaa", item: ["pk": "t3"])), .delete(TransactDelete(tableName: "Aaa", key: ["pk": "t3"])),
                ]), durability: .synced)
            }) { "done" }
            await log.record("transact get", {
                try await tables.transactGetItems(TransactGetItemsRequest(transactItems: [
                    TransactGet(tableName: "Aaa", key: ["pk": "t1"]), TransactGet(tableName: "Aaa", key: ["pk": "t2"]),
                    TransactGet(tableName: "Aaa", key: ["pk": "a1"], projectionExpression: "n"), TransactGet(tableName: "Bbb", key: ["pk": "b2"]),
                ]))
            }) { "\($0.responses.map { Transcript.render($0.item) })" }
        }
        #expect(lines.contains { $0 == "batch write -> unprocessed 0" })
        #expect(lines.contains { $0.hasPrefix("batch write 26 !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("batch write twice one key !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("batch get missing table !! ResourceNotFoundException") })
        #expect(lines.contains {
            $0.hasPrefix("transact failing !! TransactionCanceledException") && $0.contains("ConditionalCheckFailed/") && $0.contains("{\"pk\":{\"S\":\"t1\"},\"v\":{\"N\":\"1\"}}")
        })
        #expect(lines.contains { $0 == "transact get -> [\"{\\\"pk\\\":{\\\"S\\\":\\\"t1\\\"},\\\"v\\\":{\\\"N\\\":\\\"1\\\"}}\", \"none\", \"{\\\"n\\\":{\\\"N\\\":\\\"11\\\"}}\", \"none\"]" })
    }

    static let users = CreateTableRequest(
        tableName: "Users", keySchema: [key("email")],
        attributeDefinitions: [definition("email"), definition("geohash"), definition("age", .number)], billingMode: .payPerRequest,
        geohashIndex: GeohashIndex(indexName: "geohash-age-index", sortAttributeName: "age"))

    @Test("nearby: the same pages, counts, cells and cursors over Tern's own operation; a cursor of another request is refused")
    func nearby() async throws {
        let lines = try await expectSameBehaviour("nearby") { tables, log in
            try await tables.createTable(Self.users, durability: .synced)
            var random = SeededGenerator(seed: 20261201)  // fixed: both backends get the same people
            for index in 0..<150 {
                let item: Item = [
                    "email": .string("u\(index)@example.com"), "age": .number(Number(Int.random(in: 18...60, using: &random))),
                    "lat": .number(try Number(51.5 + Double.random(in: -0.4...0.4, using: &random))),
                    "lon": .number(try Number(-0.12 + Double.random(in: -0.6...0.6, using: &random))),
                    "name": .string("user \(index)"), "gender": .string(index % 2 == 0 ? "f" : "m"),
                ]
                try await tables.putItem(PutItemRequest(tableName: "Users", item: item), durability: .buffered)
            }
            let request = NearbyRequest(
                tableName: "Users", latitude: 51.5, longitude: -0.12, radiusKilometers: 40, sortKeyCondition: .between(25, 40),
                filterExpression: "gender = :g", projectionExpression: "email, age, #n", expressionAttributeNames: ["#n": "name"],
                expressionAttributeValues: [":g": "f"], limit: 3)
            var cursor: NearbyCursor?
            var page = 0
            repeat {
                var next = request
                next.cursor = cursor
                let response = await log.record("page \(page)", { [next] in try await tables.nearby(next) }) {
                    "\(Transcript.render($0.items)) count \($0.count) scanned \($0.scannedCount) cells \($0.cellsRead)/\($0.cellsTotal) more \($0.cursor != nil)"
                }
                cursor = response?.cursor
                page += 1
            } while cursor != nil && page < 60
            await log.record("all items", {
                var emails: [String] = []
                for try await item in tables.nearbyItems(request) { emails.append("\(item["email"]!)") }
                return emails
            }) { "\($0.count)" }
            let first = try await tables.nearby(request)
            var misused = request
            misused.radiusKilometers = 5
            misused.cursor = first.cursor
            await log.record("cursor of another request", { [misused] in try await tables.nearby(misused) }) { "\($0.count)" }
            await log.record("no geohash index", {
                try await tables.nearby(NearbyRequest(tableName: "Nope", latitude: 0, longitude: 0, radiusKilometers: 1))
            }) { "\($0.count)" }
        }
        #expect(lines.filter { $0.hasPrefix("page ") }.count > 2)
        #expect(lines.contains { $0.hasPrefix("all items -> ") && $0 != "all items -> 0" })
        #expect(lines.contains { $0.hasPrefix("cursor of another request !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("no geohash index !! ResourceNotFoundException") })
    }

    /// A seeded random history of writes and reads (puts, conditional updates with ADD and SET,
    /// deletes, gets, queries and scans with limits, batches, transactions) run on both.
    @Test("a seeded random history gives the same transcript on both")
    func randomHistory() async throws {
        let seed = SeededGenerator.fromEnvironment("client-random-history").seed
        let lines = try await expectSameBehaviour("random") { tables, log in
            try await tables.createTable(Self.messages, durability: .synced)
            var random = SeededGenerator(seed: seed)
            func key() -> Item { ["conversation": .string("c\(Int.random(in: 0..<3, using: &random))"), "id": .string("m\(Int.random(in: 0..<30, using: &random))")] }
            for step in 0..<300 {
                let target = key()
                let author: AttributeValue = .string(["ada", "bob", "cy"].randomElement(using: &random)!)
                switch Int.random(in: 0..<10, using: &random) {
                case 0, 1:
                    var item = target
                    item["author"] = author
                    item["text"] = .string("t\(step)")
                    await log.record("\(step) put", {
                        try await tables.putItem(PutItemRequest(tableName: "Messages", item: item, returnValues: .allOld), durability: .buffered)
                    }) { Transcript.render($0.attributes) }
                case 2:
                    await log.record("\(step) add", {
                        try await tables.updateItem(UpdateItemRequest(
                            tableName: "Messages", key: target, updateExpression: "ADD likes :one SET author = if_not_exists(author, :a)",
                            conditionExpression: "attribute_not_exists(locked)", expressionAttributeValues: [":one": 1, ":a": author],
                            returnValues: .updatedNew), durability: .buffered)
                    }) { Transcript.render($0.attributes) }
                case 3:
                    await log.record("\(step) delete", {
                        try await tables.deleteItem(DeleteItemRequest(
                            tableName: "Messages", key: target, conditionExpression: "attribute_not_exists(likes) OR likes < :three",
                            expressionAttributeValues: [":three": 3], returnValues: .allOld), durability: .buffered)
                    }) { Transcript.render($0.attributes) }
                case 4:
                    await log.record("\(step) get", { try await tables.getItem(GetItemRequest(tableName: "Messages", key: target)) }) {
                        Transcript.render($0.item)
                    }
                case 5:
                    let limit = Int.random(in: 1...12, using: &random)
                    await log.record("\(step) query", {
                        try await tables.query(QueryRequest(
                            tableName: "Messages", keyConditionExpression: "conversation = :c", expressionAttributeValues: [":c": target["conversation"]!],
                            limit: limit, scanIndexForward: Bool.random(using: &random)))
                    }) { Transcript.render($0) }
                case 6:
                    let limit = Int.random(in: 1...20, using: &random)
                    await log.record("\(step) gsi", {
                        try await tables.query(QueryRequest(
                            tableName: "Messages", indexName: "by-author", keyConditionExpression: "author = :a",
                            expressionAttributeValues: [":a": author], limit: limit))
                    }) { Transcript.render($0) }
                case 7:
                    await log.record("\(step) scan", { try await tables.scan(ScanRequest(tableName: "Messages", limit: 15)) }) { Transcript.render($0) }
                case 8:
                    let keys = (0..<Int.random(in: 1...4, using: &random)).map { _ in key() }
                    await log.record("\(step) batch", {
                        try await tables.batchWriteItem(BatchWriteItemRequest(requestItems: ["Messages": keys.map { .delete(key: $0) }]), durability: .buffered)
                    }) { "unprocessed \($0.unprocessedItems.count)" }
                default:
                    let other = key()
                    await log.record("\(step) transact", {
                        try await tables.transactWriteItems(TransactWriteItemsRequest(transactItems: [
                            .update(TransactUpdate(tableName: "Messages", key: target, updateExpression: "SET locked = :t", expressionAttributeValues: [":t": true])),
                            .conditionCheck(ConditionCheck(tableName: "Messages", key: other, conditionExpression: "attribute_exists(author)")),
                        ]), durability: .buffered)
                    }) { "done" }
                }
            }
        }
        #expect(lines.count == 300, "seed \(seed)")
        #expect(lines.contains { $0.contains(" !! ") }, "seed \(seed): some requests fail (conditions, transactions)")
    }
}
