import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// The table layer against a plain in-memory model: random puts, updates, deletes and conditional
/// writes; queries (base table and GSIs, forward and backward, sort-key ranges, filters,
/// projections) walked page by page with random limits; scans; reopens in between.
@Suite struct TableModelTests {
    /// Items keyed by (pk S, sk N); GSI `g-r` (g S, r N, ALL) and hash-only `g-keys` (g, KEYS_ONLY).
    static let request = keyedTable(
        "Model", sk: "sk", .number, globalIndexes: [gsi("g-r", "g", "r"), gsi("g-keys", "g", projection: .keysOnly)],
        extraDefinitions: [
            AttributeDefinition(attributeName: "g", attributeType: .string), AttributeDefinition(attributeName: "r", attributeType: .number),
        ])

    struct Model {
        var items: [PrimaryKey: Item] = [:]

        func sorted(_ keys: some Sequence<PrimaryKey>) -> [Item] { keys.sorted().map { items[$0]! } }
    }

    static func key(_ item: Item) -> PrimaryKey {
        PrimaryKey(partition: KeyValue(item["pk"]!)!, sort: KeyValue(item["sk"]!)!)
    }

    static func randomItem(_ random: inout SeededGenerator) -> Item {
        var item: Item = ["pk": S("p\(Int.random(in: 0..<4, using: &random))"), "sk": N("\(Int.random(in: -20...20, using: &random))")]
        if Int.random(in: 0..<5, using: &random) > 0 { item["g"] = S(["a", "b", "c"].randomElement(using: &random)!) }
        if Int.random(in: 0..<4, using: &random) > 0 { item["r"] = N("\(Int.random(in: 0..<5, using: &random))") }
        item["v"] = N("\(Int.random(in: 0..<100, using: &random))")
        if Bool.random(using: &random) { item["blob"] = S(String(repeating: "x", count: Int.random(in: 0..<300, using: &random))) }
        return item
    }

    @Test func tablesMatchTheModel() throws {
        var random = SeededGenerator.fromEnvironment("TableModelTests")
        let fixture = try TableFixture(memtableBudgetBytes: 16 << 10)
        try fixture.tables.createTable(Self.request, durability: .synced)
        var model = Model()
        for step in 0..<1500 {
            let choice = Int.random(in: 0..<100, using: &random)
            switch choice {
            case 0..<35: try Self.put(fixture.tables, &model, &random)
            case 35..<50: try Self.update(fixture.tables, &model, &random)
            case 50..<60: try Self.delete(fixture.tables, &model, &random)
            case 60..<80: try Self.checkQuery(fixture.tables, model, &random, step: step)
            case 80..<88: try Self.checkIndexQuery(fixture.tables, model, &random, step: step)
            case 88..<96: try Self.checkScan(fixture.tables, model, &random, step: step)
            default: try fixture.reopen()
            }
        }
        try fixture.reopen()
        try Self.checkScan(fixture.tables, model, &random, step: -1)
        for item in model.items.values {
            #expect(try fixture.tables.get("Model", ["pk": item["pk"]!, "sk": item["sk"]!]) == item)
        }
    }

    static func put(_ tables: TableStore, _ model: inout Model, _ random: inout SeededGenerator) throws {
        let item = randomItem(&random)
        let key = Self.key(item)
        if Bool.random(using: &random) {
            let error = dynamoError {
                try tables.putItem(
                    PutItemRequest(tableName: "Model", item: item, conditionExpression: "attribute_not_exists(pk) OR v < :v",
                                   expressionAttributeValues: [":v": N("50")]), durability: .buffered)
            }
            let allowed = model.items[key].map { existing in
                guard case .number(let value)? = existing["v"] else { return false }
                return value < Number(50)
            } ?? true
            #expect((error == nil) == allowed, "conditional put of \(item)")
            #expect(error == nil || error?.code == .conditionalCheckFailed)
            if allowed { model.items[key] = item }
        } else {
            let old = try tables.putItem(PutItemRequest(tableName: "Model", item: item, returnValues: .allOld), durability: .buffered).attributes
            #expect(old == model.items[key])
            model.items[key] = item
        }
    }

    static func update(_ tables: TableStore, _ model: inout Model, _ random: inout SeededGenerator) throws {
        let key = Self.key(randomItem(&random))
        let keyItem: Item = ["pk": key.partition.attributeValue, "sk": key.sort!.attributeValue]
        var expected = model.items[key] ?? keyItem
        let request: UpdateItemRequest
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            let g = S(["a", "b", "c", "d"].randomElement(using: &random)!)
            request = UpdateItemRequest(tableName: "Model", key: keyItem, updateExpression: "SET g = :g ADD v :one",
                                        expressionAttributeValues: [":g": g, ":one": N("1")], returnValues: .allNew)
            expected["g"] = g
            if case .number(let value)? = expected["v"] { expected["v"] = .number(try value.adding(Number(1))) } else { expected["v"] = N("1") }
        case 1:
            request = UpdateItemRequest(tableName: "Model", key: keyItem, updateExpression: "REMOVE r", returnValues: .allNew)
            expected["r"] = nil
        default:
            let r = N("\(Int.random(in: 0..<5, using: &random))")
            request = UpdateItemRequest(tableName: "Model", key: keyItem, updateExpression: "SET r = :r", conditionExpression: "attribute_exists(pk)",
                                        expressionAttributeValues: [":r": r], returnValues: .allNew)
            expected["r"] = r
            if model.items[key] == nil {
                #expect(dynamoError { try tables.updateItem(request, durability: .buffered) }?.code == .conditionalCheckFailed)
                return
            }
        }
        let returned = try tables.updateItem(request, durability: .buffered).attributes
        #expect(returned == expected)
        model.items[key] = expected
    }

    static func delete(_ tables: TableStore, _ model: inout Model, _ random: inout SeededGenerator) throws {
        let key = Bool.random(using: &random) ? (model.items.keys.randomElement(using: &random) ?? Self.key(randomItem(&random))) : Self.key(randomItem(&random))
        let keyItem: Item = ["pk": key.partition.attributeValue, "sk": key.sort!.attributeValue]
        let old = try tables.deleteItem(DeleteItemRequest(tableName: "Model", key: keyItem, returnValues: .allOld), durability: .buffered).attributes
        #expect(old == model.items[key])
        model.items[key] = nil
    }

    /// A random sort-key condition on `sk` and the predicate it stands for.
    static func sortCondition(_ random: inout SeededGenerator) -> (String, [String: AttributeValue], (Number) -> Bool) {
        let a = Int.random(in: -22...22, using: &random)
        let b = a + Int.random(in: 0...15, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return ("", [:], { _ in true })
        case 1: return (" AND sk BETWEEN :a AND :b", [":a": N("\(a)"), ":b": N("\(b)")], { $0 >= Number(a) && $0 <= Number(b) })
        case 2: return (" AND sk > :a", [":a": N("\(a)")], { $0 > Number(a) })
        default: return (" AND sk <= :a", [":a": N("\(a)")], { $0 <= Number(a) })
        }
    }

    static func checkQuery(_ tables: TableStore, _ model: Model, _ random: inout SeededGenerator, step: Int) throws {
        let partition = S("p\(Int.random(in: 0..<5, using: &random))")
        let (condition, values, matches) = sortCondition(&random)
        let forward = Bool.random(using: &random)
        let useFilter = Bool.random(using: &random)
        let projection = Bool.random(using: &random) ? "v, g" : nil
        var request = QueryRequest(
            tableName: "Model", keyConditionExpression: "pk = :p" + condition, filterExpression: useFilter ? "v >= :half" : nil,
            projectionExpression: projection, expressionAttributeValues: values.merging([":p": partition, ":half": N("50")].filter { useFilter || $0.key != ":half" }) { $1 },
            scanIndexForward: forward)
        var expected = model.sorted(model.items.keys.filter { key in
            guard key.partition.attributeValue == partition, case .number(let sort)? = key.sort?.attributeValue else { return false }
            return matches(sort)
        })
        if !forward { expected.reverse() }
        let scanned = expected.count
        if useFilter { expected = expected.filter { if case .number(let v)? = $0["v"] { return v >= Number(50) } else { return false } } }
        if projection != nil { expected = expected.map { $0.filter { ["v", "g"].contains($0.key) } } }
        let whole = try tables.query(request)
        #expect(whole.items == expected, "step \(step): whole query")
        #expect(whole.scannedCount == scanned && whole.lastEvaluatedKey == nil)
        request.limit = Int.random(in: 1...6, using: &random)
        #expect(try tables.queryAll(request).items == expected, "step \(step): paged query limit \(request.limit!)")
    }

    static func checkIndexQuery(_ tables: TableStore, _ model: Model, _ random: inout SeededGenerator, step: Int) throws {
        let g = S(["a", "b", "c", "d"].randomElement(using: &random)!)
        let forward = Bool.random(using: &random)
        let keysOnly = Bool.random(using: &random)
        let members = model.items.values.filter { $0["g"] == g && (keysOnly || $0["r"] != nil) }
        // Index order: (r,) pk, sk.
        var expected = members.sorted { lhs, rhs in
            if !keysOnly, let order = ConditionEvaluation.scalarOrder(lhs["r"]!, rhs["r"]!), order != 0 { return order < 0 }
            return Self.key(lhs) < Self.key(rhs)
        }
        if keysOnly { expected = expected.map { $0.filter { ["pk", "sk", "g"].contains($0.key) } } }
        if !forward { expected.reverse() }
        let request = QueryRequest(
            tableName: "Model", indexName: keysOnly ? "g-keys" : "g-r", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": g],
            limit: Int.random(in: 1...5, using: &random), scanIndexForward: forward)
        #expect(try tables.queryAll(request).items == expected, "step \(step): index query \(request.indexName!) on \(g)")
    }

    static func checkScan(_ tables: TableStore, _ model: Model, _ random: inout SeededGenerator, step: Int) throws {
        let expected = model.sorted(model.items.keys)
        let limit = Int.random(in: 1...40, using: &random)
        #expect(try tables.scanAll(ScanRequest(tableName: "Model", limit: limit)).items == expected, "step \(step): scan limit \(limit)")
        let total = Int.random(in: 1...4, using: &random)
        var union: [Item] = []
        for segment in 0..<total {
            union += try tables.scanAll(ScanRequest(tableName: "Model", limit: limit, segment: segment, totalSegments: total)).items
        }
        #expect(union.count == expected.count && Set(union) == Set(expected), "step \(step): segments")
    }
}
