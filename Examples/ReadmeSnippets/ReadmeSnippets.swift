// The README's Swift snippets, verbatim, each as the body of a function of its own (their
// `import`s are this file's). ReadmeTests checks that they match the README, then runs this
// program twice in a row in a scratch directory: `readme-snippets DIR` changes into DIR (the
// snippets use relative paths such as data/tables) and runs every snippet.
import TernEngine
import TernRecovery
import TernTables

func engineSnippet() throws {
    // README snippet: engine
    let store = try Store.open(at: "data/users", options: StoreOptions())
    try store.put(Array("k".utf8), Array("v".utf8), durability: .synced)
    var batch = WriteBatch()
    batch.put(Array("a".utf8), Array("1".utf8))
    batch.delete(Array("k".utf8))
    try store.write(batch, durability: .buffered)     // atomic: both or neither
    if let value = try store.get(Array("a".utf8)) { print(value) }    // [49]
    for (key, value) in try store.scan(lowerBound: Array("a".utf8), reverse: true) { print(key, value) }
    try store.close()
    // end of README snippet
}

func tablesSnippet() throws {
    // README snippet: tables
    struct Profile: Codable, Sendable {
        var email: String
        var name: String
        var age: Int
        var lat: Double
        var lon: Double
    }

    let users = CreateTableRequest(
        tableName: "Users", keySchema: [KeySchemaElement(attributeName: "email", keyType: .hash)],
        attributeDefinitions: [
            AttributeDefinition(attributeName: "email", attributeType: .string),
            AttributeDefinition(attributeName: "geohash", attributeType: .string),
            AttributeDefinition(attributeName: "age", attributeType: .number),
        ],
        billingMode: .payPerRequest,
        geohashIndex: GeohashIndex(indexName: "geohash-age-index", sortAttributeName: "age"))

    let tables = try TableStore.open(at: "data/tables", storeOptions: StoreOptions(), clock: .system)
    try tables.createTableIfNotExists(users, durability: .synced)
    try tables.put(Profile(email: "ada@example.com", name: "Ada", age: 36, lat: 51.5, lon: -0.12), into: "Users", durability: .synced)
    let ada = try tables.get(Profile.self, from: "Users", key: ["email": "ada@example.com"])
    let page = try tables.nearby(NearbyRequest(
        tableName: "Users", latitude: 51.5, longitude: -0.12, radiusKilometers: 25,
        sortKeyCondition: .between(30, 40), projectionExpression: "email, #n, age",
        expressionAttributeNames: ["#n": "name"], limit: 20))
    print(ada?.name ?? "nobody", page.items)   // items print as DynamoDB JSON: {"S":"Ada"}
    // Expired items (TTL) are purged in the background by a thread `open` started; close() stops it.
    try tables.close()
    // end of README snippet
}

func asyncSnippet() async throws {
    // README snippet: async
    struct Message: Codable, Sendable {
        var conversationId: String
        var messageId: String
        var text: String
    }

    func latest(_ tables: some TableService, conversation: String, count: Int) async throws -> [Message] {
        let newestFirst = QueryRequest(
            tableName: "Messages", keyConditionExpression: "conversationId = :c",
            expressionAttributeValues: [":c": .string(conversation)], limit: count, scanIndexForward: false)
        var messages: [Message] = []
        for try await message in tables.queryItems(newestFirst, as: Message.self) {
            messages.append(message)
            if messages.count == count { break }
        }
        return messages
    }

    let tables = try await TableStore.open(at: "data/chat", storeOptions: StoreOptions(), clock: .system)
    try await tables.createTableIfNotExists(CreateTableRequest(
        tableName: "Messages",
        keySchema: [KeySchemaElement(attributeName: "conversationId", keyType: .hash),
                    KeySchemaElement(attributeName: "messageId", keyType: .range)],
        attributeDefinitions: [AttributeDefinition(attributeName: "conversationId", attributeType: .string),
                               AttributeDefinition(attributeName: "messageId", attributeType: .string)],
        billingMode: .payPerRequest), durability: .synced)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<50 {
            group.addTask {   // 50 tasks, synced writes, a few threads: they share fsyncs
                let message = Message(conversationId: "c1", messageId: "m\(1000 + index)", text: "hello \(index)")
                try await tables.put(message, into: "Messages", durability: .synced)
            }
        }
        try await group.waitForAll()
    }
    let recent = try await latest(tables, conversation: "c1", count: 10)
    print(recent.map(\.text))
    try await tables.close()
    // end of README snippet
}

func archiveSnippet() throws {
    // README snippet: archive
    let tables = try TableStore.open(at: "data/tables", storeOptions: StoreOptions(), clock: .system)
    let archive = try ContinuousArchive.start(store: tables.store, directory: "data/archive", options: ArchiveOptions())
    // archive.status: the last batch archived, the restorable window, a failure while the archive cannot be written
    try archive.stop()
    try tables.close()
    // end of README snippet
}

@main
enum ReadmeSnippets {
    static func main() async throws {
        guard CommandLine.arguments.count == 2, Platform.changeDirectory(CommandLine.arguments[1]) else {
            fatalError("usage: readme-snippets DIRECTORY (an existing directory to run the snippets in)")
        }
        try engineSnippet()
        try tablesSnippet()
        try await asyncSnippet()
        try archiveSnippet()
    }
}
