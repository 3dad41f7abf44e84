import Testing
import TernEngine
@testable import TernTables

/// `ReaderCache`: a cached reader behaves like a freshly built one, with each request's clock;
/// different shapes get different readers; bad projections are refused every time and never
/// cached; the cache stays bounded.
@Suite struct ReaderCacheTests {
    static func encoded(_ item: Item) -> [UInt8] { ItemCodec.encode(item) }

    static func read(_ reader: ItemReader, _ item: Item) throws -> ItemReader.Outcome {
        try encoded(item).withUnsafeBufferPointer { try reader.read($0) }
    }

    @Test func cachedReadersProjectAndExpireLikeFreshOnes() throws {
        let cache = ReaderCache()
        let key = ReaderCache.Key(
            projectionText: "#n, age", names: ["#n": "name"], ttlAttribute: "expires", defaultNames: nil, countOnly: false,
            extraNames: ["lat"])
        let item: Item = ["name": "Ada", "age": 36, "lat": 51.5, "city": "London", "expires": 1000]
        let first = try cache.reader(key, now: Number(10))
        let again = try cache.reader(key, now: Number(2000))
        #expect(cache.count == 1)
        guard case .item(let projected) = try Self.read(first, item) else {
            Issue.record("the first reader hid a live item")
            return
        }
        #expect(projected == ["name": "Ada", "age": 36])
        // The cached reader carries the second request's clock: the item has expired by then.
        guard case .expired = try Self.read(again, item) else {
            Issue.record("the cached reader kept the first request's clock")
            return
        }
        // Another shape is another reader.
        let other = try cache.reader(
            ReaderCache.Key(projectionText: "city", names: nil, ttlAttribute: "expires", defaultNames: nil, countOnly: false, extraNames: []),
            now: Number(10))
        guard case .item(let city) = try Self.read(other, item) else {
            Issue.record("the second shape hid a live item")
            return
        }
        #expect(city == ["city": "London"])
        #expect(cache.count == 2)
    }

    @Test func invalidShapesAreRefusedEveryTimeAndNotCached() {
        let cache = ReaderCache()
        let unusedName = ReaderCache.Key(
            projectionText: "age", names: ["#n": "name"], ttlAttribute: nil, defaultNames: nil, countOnly: false, extraNames: [])
        for _ in 0..<2 {
            #expect(throws: DynamoError.self) { _ = try cache.reader(unusedName, now: Number(0)) }
        }
        let syntax = ReaderCache.Key(projectionText: "age,,", names: nil, ttlAttribute: nil, defaultNames: nil, countOnly: false, extraNames: [])
        #expect(throws: DynamoError.self) { _ = try cache.reader(syntax, now: Number(0)) }
        #expect(cache.count == 0)
    }

    @Test func staysBounded() throws {
        let cache = ReaderCache()
        for index in 0..<(ReaderCache.capacity * 2 + 5) {
            _ = try cache.reader(
                ReaderCache.Key(projectionText: "a\(index)", names: nil, ttlAttribute: nil, defaultNames: nil, countOnly: false, extraNames: []),
                now: Number(0))
            #expect(cache.count <= ReaderCache.capacity)
        }
    }

    /// Through the API: repeated GetItems and matching queries with one projection answer as the
    /// first did, and a request with ExpressionAttributeValues or a filter still gets its errors.
    @Test func repeatedRequestsAnswerTheSame() throws {
        let tables = try TableStore.open(at: "/tables", storeOptions: {
            var options = StoreOptions()
            options.fileSystem = MemoryFileSystem()
            return options
        }(), clock: .system)
        defer { try? tables.close() }
        try tables.createTable(CreateTableRequest(
            tableName: "Users", keySchema: [KeySchemaElement(attributeName: "email", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "email", attributeType: .string)],
            billingMode: .payPerRequest), durability: .buffered)
        try tables.putItem(PutItemRequest(tableName: "Users", item: ["email": "a@x", "name": "Ada", "age": 36]), durability: .buffered)
        let request = GetItemRequest(tableName: "Users", key: ["email": "a@x"], projectionExpression: "#n", expressionAttributeNames: ["#n": "name"])
        for _ in 0..<3 { #expect(try tables.getItem(request).item == ["name": "Ada"]) }
        let unused = GetItemRequest(tableName: "Users", key: ["email": "a@x"], projectionExpression: "age", expressionAttributeNames: ["#n": "name"])
        for _ in 0..<2 { #expect(throws: DynamoError.self) { _ = try tables.getItem(unused) } }
    }
}
