import Testing
import TernClient
import TernTables
import TernTesting

/// The behaviour suite: each scenario runs on an embedded `TableStore` and, through
/// `TableClient`, on a node, and both must produce the same transcript: the same results, the
/// same pages and continuation keys, the same errors with DynamoDB's names and messages. The
/// `#expect`s inside pin what the scenario is about, so a transcript that is equal because both
/// are empty does not pass.
@Suite struct SameBehaviourTests {
    static func key(_ name: String, _ type: KeyType = .hash) -> KeySchemaElement {
        KeySchemaElement(attributeName: name, keyType: type)
    }

    static func definition(_ name: String, _ type: ScalarAttributeType = .string) -> AttributeDefinition {
        AttributeDefinition(attributeName: name, attributeType: type)
    }

    /// The parts of a table description both backends must agree on (not the creation time or
    /// the internal id; and the wire always reports a throughput, Swift only when one was set).
    static func render(_ table: TableDescription) -> String {
        let global = (table.globalSecondaryIndexes ?? []).map { "\($0.indexName) \($0.keySchema) \($0.projection)" }
        let local = (table.localSecondaryIndexes ?? []).map { "\($0.indexName) \($0.keySchema) \($0.projection)" }
        return "\(table.tableName) \(table.tableStatus) \(table.billingMode) keys \(table.keySchema) defs \(table.attributeDefinitions) "
            + "gsi \(global) lsi \(local) geo \(String(describing: table.geohashIndex)) ttl \(String(describing: table.timeToLive))"
    }

    static let pets = CreateTableRequest(
        tableName: "Pets", keySchema: [key("pk")], attributeDefinitions: [definition("pk"), definition("kind")],
        billingMode: .payPerRequest,
        globalSecondaryIndexes: [GlobalSecondaryIndex(indexName: "by-kind", keySchema: [key("kind")], projection: .keysOnly)])

    @Test("tables: create (again, if not exists), describe, list in pages, TTL, delete, and their errors")
    func tables() async throws {
        let lines = try await expectSameBehaviour("tables") { tables, log in
            await log.record("create", { try await tables.createTable(Self.pets, durability: .synced) }) { Self.render($0.tableDescription) }
            await log.record("create again", { try await tables.createTable(Self.pets, durability: .synced) }) { Self.render($0.tableDescription) }
            await log.record("if not exists", { try await tables.createTableIfNotExists(Self.pets, durability: .synced) }) {
                Self.render($0.tableDescription)
            }
            var other = Self.pets
            other.keySchema = [Self.key("kind")]
            other.attributeDefinitions = [Self.definition("kind")]
            other.globalSecondaryIndexes = []
            await log.record("if not exists, other keys", { try await tables.createTableIfNotExists(other, durability: .synced) }) {
                Self.render($0.tableDescription)
            }
            var undefined = Self.pets
            undefined.tableName = "Broken"
            undefined.attributeDefinitions = [Self.definition("kind")]
            await log.record("key not defined", { try await tables.createTable(undefined, durability: .synced) }) { Self.render($0.tableDescription) }
            for name in ["Birds", "Cats", "Dogs"] {
                var table = Self.pets
                table.tableName = name
                table.globalSecondaryIndexes = []
                table.attributeDefinitions = [Self.definition("pk")]
                try await tables.createTable(table, durability: .synced)
            }
            var start: String?
            repeat {
                let page = await log.record("list from \(start ?? "-")", {
                    try await tables.listTables(ListTablesRequest(limit: 2, exclusiveStartTableName: start))
                }) { "\($0.tableNames) next \($0.lastEvaluatedTableName ?? "-")" }
                start = page?.lastEvaluatedTableName
            } while start != nil
            await log.record("describe", { try await tables.describeTable(DescribeTableRequest(tableName: "Pets")) }) { Self.render($0.table) }
            await log.record("describe missing", { try await tables.describeTable(DescribeTableRequest(tableName: "Nope")) }) {
                Self.render($0.table)
            }
            await log.record("ttl", {
                try await tables.updateTimeToLive(
                    UpdateTimeToLiveRequest(tableName: "Pets", timeToLiveSpecification: TimeToLiveSpecification(attributeName: "expires")),
                    durability: .synced)
            }) { "\($0.timeToLiveSpecification)" }
            await log.record("describe ttl", { try await tables.describeTimeToLive(DescribeTimeToLiveRequest(tableName: "Pets")) }) {
                "\(String(describing: $0.timeToLiveSpecification))"
            }
            await log.record("delete", { try await tables.deleteTable(DeleteTableRequest(tableName: "Pets"), durability: .synced) }) {
                "\($0.tableDescription.tableName) \($0.tableDescription.tableStatus)"
            }
            await log.record("delete again", { try await tables.deleteTable(DeleteTableRequest(tableName: "Pets"), durability: .synced) }) {
                "\($0.tableDescription.tableName)"
            }
            await log.record("list", { try await tables.listTables(ListTablesRequest()) }) { "\($0.tableNames)" }
        }
        #expect(lines.contains { $0.hasPrefix("create again !! ResourceInUseException") })
        #expect(lines.contains { $0.hasPrefix("if not exists, other keys !! ResourceInUseException") })
        #expect(lines.contains { $0.hasPrefix("key not defined !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("describe missing !! ResourceNotFoundException") })
        #expect(lines.filter { $0.hasPrefix("list from") }.count == 2)
        #expect(lines.last == "list -> [\"Birds\", \"Cats\", \"Dogs\"]")
    }

    static let itemsTable = CreateTableRequest(
        tableName: "Items", keySchema: [key("pk"), key("sk", .range)],
        attributeDefinitions: [definition("pk"), definition("sk", .number)], billingMode: .payPerRequest)

    static func full() throws -> Item {
        [
            "pk": "a", "sk": 1, "s": "héllo \"wörld\" \u{1F600}\n\t", "n": .number(try Number("-12.5000")), "big": .number(try Number("1E+125")),
            "b": .binary([0, 1, 2, 254, 255]), "t": true, "f": false, "null": .null,
            "l": .list(["x", 2, .list([.null])]), "m": .map(["a": 1, "nested": .map(["deep": "yes"])]),
            "ss": .stringSet(["b", "a"]), "ns": .numberSet([try Number("3"), try Number("1.5")]), "bs": .binarySet([[1], [2, 3]]),
            "empty": "",
        ]
    }

    @Test("items: every type round-trips; ReturnValues, conditions, update clauses, and validation errors agree")
    func items() async throws {
        let lines = try await expectSameBehaviour("items") { tables, log in
            try await tables.createTable(Self.itemsTable, durability: .synced)
            let full = try Self.full()
            await log.record("put", { try await tables.putItem(PutItemRequest(tableName: "Items", item: full), durability: .synced) }) {
                Transcript.render($0.attributes)
            }
            await log.record("get", { try await tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": "a", "sk": 1])) }) {
                Transcript.render($0.item)
            }
            await log.record("get projected", {
                try await tables.getItem(GetItemRequest(
                    tableName: "Items", key: ["pk": "a", "sk": 1], projectionExpression: "#m.nested, l[1], ss, #x",
                    expressionAttributeNames: ["#m": "m", "#x": "missing"]))
            }) { Transcript.render($0.item) }
            await log.record("get missing", { try await tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": "a", "sk": 2])) }) {
                Transcript.render($0.item)
            }
            await log.record("put all old", {
                try await tables.putItem(PutItemRequest(tableName: "Items", item: ["pk": "a", "sk": 1, "v": 1], returnValues: .allOld), durability: .synced)
            }) { Transcript.render($0.attributes) }
            await log.record("put if absent", {
                try await tables.putItem(PutItemRequest(
                    tableName: "Items", item: ["pk": "a", "sk": 1], conditionExpression: "attribute_not_exists(pk)",
                    returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
            }) { Transcript.render($0.attributes) }
            let updates: [(String, String, [String: AttributeValue], ReturnValue)] = [
                ("SET v = v + :one, w = if_not_exists(w, :w), l = list_append(:l, :l)", "", [":one": 1, ":w": "w", ":l": .list([1])], .allNew),
                ("ADD likes :five, tags :tags", "", [":five": 5, ":tags": .stringSet(["x", "y"])], .updatedNew),
                ("DELETE tags :y REMOVE w", "", [":y": .stringSet(["y"])], .updatedOld),
                ("SET v = :v", "v = :wrong", [":v": 9, ":wrong": 100], .allOld),
                ("SET v = :v", "", [":v": 10, ":unused": 1], .none),
                ("SET v = ", "", [:], .none),
                ("SET #missing = :v", "", [":v": 1], .none),
            ]
            for (expression, condition, values, returnValues) in updates {
                await log.record("update \(expression) if \(condition)", {
                    try await tables.updateItem(UpdateItemRequest(
                        tableName: "Items", key: ["pk": "a", "sk": 1], updateExpression: expression,
                        conditionExpression: condition.isEmpty ? nil : condition, expressionAttributeValues: values,
                        returnValues: returnValues, returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
                }) { Transcript.render($0.attributes) }
            }
            await log.record("upsert", {
                try await tables.updateItem(UpdateItemRequest(
                    tableName: "Items", key: ["pk": "b", "sk": 2], updateExpression: "SET created = :t", expressionAttributeValues: [":t": true],
                    returnValues: .allNew), durability: .synced)
            }) { Transcript.render($0.attributes) }
            await log.record("delete if", {
                try await tables.deleteItem(DeleteItemRequest(
                    tableName: "Items", key: ["pk": "b", "sk": 2], conditionExpression: "created = :f", expressionAttributeValues: [":f": false],
                    returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
            }) { Transcript.render($0.attributes) }
            await log.record("delete", {
                try await tables.deleteItem(DeleteItemRequest(tableName: "Items", key: ["pk": "b", "sk": 2], returnValues: .allOld), durability: .synced)
            }) { Transcript.render($0.attributes) }
            await log.record("delete missing", {
                try await tables.deleteItem(DeleteItemRequest(tableName: "Items", key: ["pk": "b", "sk": 2], returnValues: .allOld), durability: .synced)
            }) { Transcript.render($0.attributes) }
            let large: Item = ["pk": "large", "sk": 0, "text": .string(String(repeating: "z", count: 350_000))]
            await log.record("put 350 KB", { try await tables.putItem(PutItemRequest(tableName: "Items", item: large), durability: .synced) }) {
                Transcript.render($0.attributes)
            }
            await log.record("get 350 KB", { try await tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": "large", "sk": 0])) }) {
                "\($0.item == large)"
            }
            let invalid: [(String, Item)] = [
                ("no sort key", ["pk": "x"]), ("wrong key type", ["pk": "x", "sk": "1"]), ("empty key", ["pk": "", "sk": 1]),
                ("too large", ["pk": "x", "sk": 1, "text": .string(String(repeating: "z", count: 410_000))]),
                ("empty set", ["pk": "x", "sk": 1, "set": .stringSet([])]),
            ]
            for (label, item) in invalid {
                await log.record("put \(label)", { try await tables.putItem(PutItemRequest(tableName: "Items", item: item), durability: .synced) }) {
                    Transcript.render($0.attributes)
                }
            }
            await log.record("get extra key", { try await tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": "a", "sk": 1, "v": 1])) }) {
                Transcript.render($0.item)
            }
            await log.record("put unknown table", { try await tables.putItem(PutItemRequest(tableName: "Nope", item: ["pk": "x"]), durability: .synced) }) {
                Transcript.render($0.attributes)
            }
            await log.record("get final", { try await tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": "a", "sk": 1])) }) {
                Transcript.render($0.item)
            }
        }
        #expect(lines.contains { $0.hasPrefix("get -> ") && $0.contains("\"bs\":{\"BS\":[\"AQ==\",\"AgM=\"]}") })
        #expect(lines.contains { $0.hasPrefix("put if absent !! ConditionalCheckFailedException") && $0.contains(" item ") })
        #expect(lines.contains { $0.hasPrefix("update SET v = :v if v = :wrong !! ConditionalCheckFailedException") })
        #expect(lines.contains { $0.hasPrefix("update SET v =  if  !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("put too large !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("put unknown table !! ResourceNotFoundException") })
        #expect(lines.contains { $0 == "get 350 KB -> true" })
        #expect(lines.filter { $0.contains(" !! ") }.count == 13)
    }

    static let messages = CreateTableRequest(
        tableName: "Messages", keySchema: [key("conversation"), key("id", .range)],
        attributeDefinitions: [definition("conversation"), definition("id"), definition("author")], billingMode: .payPerRequest,
        globalSecondaryIndexes: [
            GlobalSecondaryIndex(indexName: "by-author", keySchema: [key("author"), key("id", .range)], projection: .include(["text"]))
        ])

    struct Message: Codable, Sendable, Equatable {
        var conversation: String
        var id: String
        var author: String
        var text: String
    }

    static func fillMessages(_ tables: any TableService) async throws {
        for index in 0..<70 {
            let message = Message(
                conversation: index < 60 ? "c1" : "c2", id: "m\(1000 + index)", author: ["ada", "bob", "cy"][index % 3],
                text: "hello \(index)")
            try await tables.put(message, into: "Messages", durability: .buffered)
        }
    }

    /// Every page of `request`, walked by hand (`ExclusiveStartKey` ← `LastEvaluatedKey`).
    static func walk(_ label: String, _ request: QueryRequest, _ tables: any TableService, _ log: inout Transcript) async {
        var request = request
        var page = 0
        repeat {
            let response = await log.record("\(label) page \(page)", { [request] in try await tables.query(request) }) { Transcript.render($0) }
            request.exclusiveStartKey = response?.lastEvaluatedKey
            page += 1
        } while request.exclusiveStartKey != nil && page < 40
    }

    static func walk(_ label: String, _ request: ScanRequest, _ tables: any TableService, _ log: inout Transcript) async {
        var request = request
        var page = 0
        repeat {
            let response = await log.record("\(label) page \(page)", { [request] in try await tables.scan(request) }) { Transcript.render($0) }
            request.exclusiveStartKey = response?.lastEvaluatedKey
            page += 1
        } while request.exclusiveStartKey != nil && page < 40
    }

    @Test("query and scan: the same pages, counts and continuation keys, forward and backward, on the table and a GSI")
    func paging() async throws {
        let lines = try await expectSameBehaviour("paging") { tables, log in
            try await tables.createTable(Self.messages, durability: .synced)
            try await Self.fillMessages(tables)
            let c1: [String: AttributeValue] = [":c": "c1"]
            await Self.walk("forward", QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversation = :c", expressionAttributeValues: c1, limit: 7), tables, &log)
            await Self.walk("backward filtered", QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversation = :c AND id BETWEEN :lo AND :hi",
                filterExpression: "author = :a", projectionExpression: "id, #t", expressionAttributeNames: ["#t": "text"],
                expressionAttributeValues: [":c": "c1", ":lo": "m1010", ":hi": "m1040", ":a": "bob"], limit: 5,
                scanIndexForward: false), tables, &log)
            await Self.walk("count", QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversation = :c AND begins_with(id, :p)",
                expressionAttributeValues: [":c": "c1", ":p": "m102"], select: .count), tables, &log)
            await Self.walk("gsi", QueryRequest(
                tableName: "Messages", indexName: "by-author", keyConditionExpression: "author = :a",
                expressionAttributeValues: [":a": "cy"], limit: 6), tables, &log)
            await Self.walk("scan", ScanRequest(tableName: "Messages", limit: 9), tables, &log)
            for segment in 0..<3 {
                await Self.walk("segment \(segment)", ScanRequest(tableName: "Messages", limit: 20, segment: segment, totalSegments: 3), tables, &log)
            }
            await Self.walk("scan gsi filtered", ScanRequest(
                tableName: "Messages", indexName: "by-author", filterExpression: "contains(#t, :nine)",
                expressionAttributeNames: ["#t": "text"], expressionAttributeValues: [":nine": "9"], limit: 11), tables, &log)
            await Self.walk("bad start key", QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversation = :c", expressionAttributeValues: c1,
                exclusiveStartKey: ["conversation": "c1"]), tables, &log)
            await Self.walk("consistent gsi", QueryRequest(
                tableName: "Messages", indexName: "by-author", keyConditionExpression: "author = :a",
                expressionAttributeValues: [":a": "cy"], consistentRead: true), tables, &log)
            // The protocol's pagers, typed.
            let all = QueryRequest(tableName: "Messages", keyConditionExpression: "conversation = :c", expressionAttributeValues: c1, limit: 8)
            await log.record("typed walk", {
                var messages: [Message] = []
                for try await message in tables.queryItems(all, as: Message.self) { messages.append(message) }
                return messages
            }) { "\($0.count) \($0.first?.id ?? "-")…\($0.last?.id ?? "-")" }
            await log.record("scan pages", {
                var pages: [Int] = []
                for try await page in tables.scanPages(ScanRequest(tableName: "Messages", limit: 25)) { pages.append(page.count) }
                return pages
            }) { "\($0)" }
        }
        #expect(lines.filter { $0.hasPrefix("forward page") }.count == 9)  // 60 items = 8 pages of 7, then 4
        #expect(lines.contains { $0.hasPrefix("bad start key page 0 !! ValidationException") })
        #expect(lines.contains { $0.hasPrefix("consistent gsi page 0 !! ValidationException") })
        #expect(lines.contains { $0 == "typed walk -> 60 m1000…m1059" })
        #expect(lines.contains { $0 == "scan pages -> [25, 25, 20]" })
    }
}
