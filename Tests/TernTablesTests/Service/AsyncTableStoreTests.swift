import Synchronization
import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// The async face of `TableStore`, the `TableService` protocol and its pagers.
@Suite struct AsyncTableStoreTests {
    struct Message: Codable, Sendable, Equatable {
        var conversationId: String
        var messageId: String
        var text: String
    }

    static let messages = keyedTable("Messages", pk: "conversationId", sk: "messageId")

    /// Every request of the async API runs on the store's pool: the clock, read once per request
    /// inside the synchronous core, records where it was called.
    @Test func requestsRunOnThePoolNotOnTheCallersThread() async throws {
        let pool = BlockingThreadPool(threadCount: 2, name: "tables-test")
        let outside = Atomic<Int>(0)
        var options = StoreOptions()
        options.fileSystem = MemoryFileSystem()
        options.threadPool = pool
        let clock = TableClock {
            if !pool.isCurrentThreadInPool { outside.add(1, ordering: .relaxed) }
            return 1_700_000_000
        }
        let tables = try await TableStore.open(at: "/tables", storeOptions: options, clock: clock, ttlPurgeInterval: nil)
        let service: some TableService = tables
        try await service.createTable(Self.messages, durability: .synced)
        try await service.put(Message(conversationId: "c", messageId: "1", text: "hi"), into: "Messages", durability: .synced)
        _ = try await service.get(Message.self, from: "Messages", key: ["conversationId": "c", "messageId": "1"])
        _ = try await service.query(QueryRequest(
            tableName: "Messages", keyConditionExpression: "conversationId = :c", expressionAttributeValues: [":c": "c"]))
        _ = try await service.updateItem(
            UpdateItemRequest(tableName: "Messages", key: ["conversationId": "c", "messageId": "1"], updateExpression: "SET seen = :t",
                              expressionAttributeValues: [":t": true]), durability: .buffered)
        try await tables.close()
        #expect(outside.load(ordering: .relaxed) == 0)
    }

    /// A synced async write is durable when it returns (a power cut dropping unsynced data keeps
    /// it); a buffered one is not (so the test tells them apart).
    @Test func asyncSyncedWritesSurviveAPowerCut() async throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try await tables.createTable(Self.messages, durability: .synced)
        try await tables.putItem(PutItemRequest(tableName: "Messages", item: ["conversationId": "c", "messageId": "1"]), durability: .synced)
        try await tables.updateItem(
            UpdateItemRequest(tableName: "Messages", key: ["conversationId": "c", "messageId": "1"], updateExpression: "SET n = :one",
                              expressionAttributeValues: [":one": 1]), durability: .synced)
        try await tables.putItem(PutItemRequest(tableName: "Messages", item: ["conversationId": "c", "messageId": "2"]), durability: .buffered)
        try fixture.crashAndReopen(.dropped)
        let reopened = fixture.tables
        #expect(try await reopened.getItem(GetItemRequest(tableName: "Messages", key: ["conversationId": "c", "messageId": "1"])).item?["n"] == 1)
        #expect(try await reopened.getItem(GetItemRequest(tableName: "Messages", key: ["conversationId": "c", "messageId": "2"])).item == nil)
    }

    /// Concurrent synced writers from many tasks, on a two-thread pool: all succeed, all durable.
    @Test func manyTasksWritingSyncedItems() async throws {
        let fixture = try TableFixture(memtableBudgetBytes: 1 << 20)
        let tables = fixture.tables
        try await tables.createTable(Self.messages, durability: .synced)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<12 {
                group.addTask {
                    for index in 0..<15 {
                        try await tables.put(
                            Message(conversationId: "c\(writer)", messageId: "\(index)", text: "m"), into: "Messages", durability: .synced)
                    }
                }
            }
            try await group.waitForAll()
        }
        try fixture.crashAndReopen(.dropped)
        var count = 0
        for try await _ in fixture.tables.scanItems(ScanRequest(tableName: "Messages"), as: Message.self) { count += 1 }
        #expect(count == 12 * 15)
    }

    /// The pagers walk every page: the same items as following `LastEvaluatedKey` by hand, in
    /// order, through the protocol (a second implementation of it, as a remote client would be).
    @Test func pagersWalkEveryPage() async throws {
        let fixture = try TableFixture()
        let service = ForwardingService(fixture.tables)
        try await service.createTable(Self.messages, durability: .synced)
        for index in 0..<50 {
            try await service.put(
                Message(conversationId: "c", messageId: "m\(100 + index)", text: "\(index)"), into: "Messages", durability: .buffered)
        }
        let request = QueryRequest(
            tableName: "Messages", keyConditionExpression: "conversationId = :c", expressionAttributeValues: [":c": "c"], limit: 7,
            scanIndexForward: false)
        var pages = 0
        var fromPages: [Item] = []
        for try await page in service.queryPages(request) {
            pages += 1
            fromPages += page.items
        }
        #expect(pages == 8)
        #expect(fromPages == (try fixture.tables.queryAll(request).items))
        var typed: [Message] = []
        for try await message in service.queryItems(request, as: Message.self) { typed.append(message) }
        #expect(typed.map(\.text) == (0..<50).reversed().map { "\($0)" })
        var scanned = 0
        for try await item in service.scanItems(ScanRequest(tableName: "Messages", limit: 9)) {
            #expect(item["conversationId"] == "c")
            scanned += 1
        }
        #expect(scanned == 50)
    }

    /// A task cancelled while it walks pages stops before reading the next page.
    @Test func cancellationStopsAWalkBetweenPages() async throws {
        let fixture = try TableFixture()
        let service = ForwardingService(fixture.tables)
        try await service.createTable(Self.messages, durability: .synced)
        for index in 0..<30 {
            try await service.put(Message(conversationId: "c", messageId: "\(index)", text: ""), into: "Messages", durability: .buffered)
        }
        let request = QueryRequest(
            tableName: "Messages", keyConditionExpression: "conversationId = :c", expressionAttributeValues: [":c": "c"], limit: 5)
        let walk = Task {
            var pages = 0
            for try await _ in service.queryPages(request) {
                pages += 1
                if pages == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return pages
        }
        await #expect(throws: CancellationError.self) { _ = try await walk.value }
        #expect(service.pagesRead == 2)
    }

    @Test func typedNearbyWalk() async throws {
        struct Card: Codable, Sendable { var email: String; var age: Int }
        let fixture = try TableFixture()
        let tables = fixture.tables
        try await tables.createTable(GeoIndexTests.usersTable(), durability: .synced)
        for index in 0..<40 {
            let item = GeoIndexTests.user(index, 51.5 + Double(index) * 0.001, -0.12, age: 20 + index % 10)
            try await tables.putItem(PutItemRequest(tableName: "Users", item: item), durability: .buffered)
        }
        let request = NearbyRequest(
            tableName: "Users", latitude: 51.5, longitude: -0.12, radiusKilometers: 10,
            sortKeyCondition: .between(.number(22), .number(25)), limit: 3)
        var cards: [Card] = []
        for try await card in tables.nearbyItems(request, as: Card.self) { cards.append(card) }
        #expect(cards.count == 16)
        #expect(cards.allSatisfy { (22...25).contains($0.age) })
        var pages = 0
        for try await _ in tables.nearbyPages(request) { pages += 1 }
        #expect(pages >= 6)
    }

    /// Client errors arrive as they do from the synchronous core.
    @Test func errorsPassThrough() async throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        await #expect(performing: { _ = try await tables.getItem(GetItemRequest(tableName: "Missing", key: ["k": "v"])) }, throws: {
            ($0 as? DynamoError)?.code == .resourceNotFound
        })
        try await tables.createTable(Self.messages, durability: .synced)
        let conditional = PutItemRequest(
            tableName: "Messages", item: ["conversationId": "c", "messageId": "1"], conditionExpression: "attribute_exists(conversationId)")
        await #expect(performing: { _ = try await tables.putItem(conditional, durability: .synced) }, throws: {
            ($0 as? DynamoError)?.code == .conditionalCheckFailed
        })
    }
}
