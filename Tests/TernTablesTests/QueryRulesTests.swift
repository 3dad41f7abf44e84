import Testing
import TernEngine
@testable import TernTables

/// Rules 36-46 of docs/dynamodb-semantics.md: Query, Scan and pagination.
@Suite struct QueryRulesTests {
    /// Table `Q` (pk S, sk N) with partition "p" holding sk 0..<count, `even` set on even ones.
    static func fixture(count: Int = 10) throws -> TableFixture {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("Query", sk: "sk", .number), durability: .synced)
        for index in 0..<count {
            var item: Item = ["pk": S("p"), "sk": N("\(index)"), "v": N("\(index * 10)")]
            if index % 2 == 0 { item["even"] = .bool(true) }
            try fixture.tables.put("Query", item)
        }
        try fixture.tables.put("Query", ["pk": S("other"), "sk": N("1")])
        return fixture
    }

    static func partition(_ extra: (inout QueryRequest) -> Void = { _ in }) -> QueryRequest {
        var request = QueryRequest(tableName: "Query", keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("p")])
        extra(&request)
        return request
    }

    @Test func rule36_resultsComeInSortKeyOrder() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(keyedTable("Nums", sk: "sk", .number), durability: .synced)
        try tables.createTable(keyedTable("Strs", sk: "sk", .string), durability: .synced)
        try tables.createTable(keyedTable("Bins", sk: "sk", .binary), durability: .synced)
        let numbers = ["-1000000", "-10", "-9", "-0.5", "0", "0.001", "1.5", "2", "9", "10", "99.99", "100"]
        let strings = ["1", "A", "B", "_", "a", "b", "~", "\u{FB00}", "\u{FFFF}", "😀"]
        let binaries: [[UInt8]] = [[0x00], [0x7F], [0x80], [0xFF], [0xFF, 0x00]]
        for value in numbers.shuffled() { try tables.put("Nums", ["pk": S("p"), "sk": N(value)]) }
        for value in strings.shuffled() { try tables.put("Strs", ["pk": S("p"), "sk": S(value)]) }
        for value in binaries.shuffled() { try tables.put("Bins", ["pk": S("p"), "sk": B(value)]) }
        for forward in [true, false] {
            func sortKeys(_ table: String) throws -> [AttributeValue] {
                try tables.query(QueryRequest(
                    tableName: table, keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("p")],
                    scanIndexForward: forward)).items.map { $0["sk"]! }
            }
            let order = { (values: [AttributeValue]) in forward ? values : values.reversed() }
            #expect(try sortKeys("Nums") == order(numbers.map(N)))
            #expect(try sortKeys("Strs") == order(strings.map(S)))
            #expect(try sortKeys("Bins") == order(binaries.map(B)))
        }
    }

    @Test func rule37_queryFiltersMayNotUseKeyAttributes() throws {
        let fixture = try Self.fixture()
        let error = dynamoError {
            _ = try fixture.tables.query(Self.partition {
                $0.filterExpression = "sk > :z"
                $0.expressionAttributeValues?[":z"] = N("0")
            })
        }
        #expect(error?.code == .validation)
        #expect(error?.message.contains("Primary key attribute: sk") == true)
        let scan = try fixture.tables.scan(ScanRequest(tableName: "Query", filterExpression: "sk > :z", expressionAttributeValues: [":z": N("7")]))
        #expect(scan.count == 2)
    }

    @Test func rule38_countAndScannedCount() throws {
        let fixture = try Self.fixture()
        let filtered = try fixture.tables.query(Self.partition { $0.filterExpression = "attribute_exists(even)" })
        #expect(filtered.count == 5)
        #expect(filtered.items.count == 5)
        #expect(filtered.scannedCount == 10)
        let counted = try fixture.tables.query(Self.partition {
            $0.filterExpression = "attribute_exists(even)"
            $0.select = .count
        })
        #expect(counted.items.isEmpty)
        #expect(counted.count == 5)
        #expect(counted.scannedCount == 10)
        let scanCount = try fixture.tables.scan(ScanRequest(tableName: "Query", select: .count))
        #expect(scanCount.items.isEmpty && scanCount.count == 11 && scanCount.scannedCount == 11)
    }

    @Test func rule39_limitCountsItemsReadBeforeTheFilter() throws {
        let fixture = try Self.fixture()
        #expect(dynamoError { _ = try fixture.tables.query(Self.partition { $0.limit = 0 }) }?.code == .validation)
        #expect(dynamoError { _ = try fixture.tables.scan(ScanRequest(tableName: "Query", limit: 0)) }?.code == .validation)
        // sk 0..4 read; the filter keeps the two with v > 20 among them? No: v = 30, 40.
        let page = try fixture.tables.query(Self.partition {
            $0.limit = 5
            $0.filterExpression = "v > :twenty"
            $0.expressionAttributeValues?[":twenty"] = N("20")
        })
        #expect(page.count == 2)
        #expect(page.scannedCount == 5)
        #expect(page.lastEvaluatedKey == ["pk": S("p"), "sk": N("4")])
    }

    @Test func rule40_projectionReturnsOnlyTheListedPaths() throws {
        let fixture = try Self.fixture()
        let page = try fixture.tables.query(Self.partition {
            $0.projectionExpression = "v, absent"
            $0.limit = 2
        })
        #expect(page.items == [["v": N("0")], ["v": N("10")]])
        let item = try fixture.tables.getItem(GetItemRequest(tableName: "Query", key: ["pk": S("p"), "sk": N("2")], projectionExpression: "even, nope"))
        #expect(item.item == ["even": .bool(true)])
    }

    @Test func rule41_lastEvaluatedKeyHoldsTheKeysOfTheLastItemRead() throws {
        let fixture = try Self.fixture()
        // The last item read (sk 3) is dropped by the filter; the LEK still names it.
        let page = try fixture.tables.query(Self.partition {
            $0.limit = 4
            $0.filterExpression = "attribute_exists(even)"
        })
        #expect(page.items.map { $0["sk"] } == [N("0"), N("2")])
        #expect(page.lastEvaluatedKey == ["pk": S("p"), "sk": N("3")])
        // On a GSI: table keys plus index keys; on a hash-only GSI: {pk, sk, h}.
        try fixture.tables.createTable(
            keyedTable(
                "Gsi", sk: "sk", globalIndexes: [gsi("g-r", "g", "r"), gsi("h-only", "h")],
                extraDefinitions: [
                    AttributeDefinition(attributeName: "g", attributeType: .string), AttributeDefinition(attributeName: "r", attributeType: .number),
                    AttributeDefinition(attributeName: "h", attributeType: .string),
                ]), durability: .synced)
        for index in 0..<3 {
            try fixture.tables.put("Gsi", ["pk": S("p\(index)"), "sk": S("s"), "g": S("G"), "r": N("\(index)"), "h": S("H")])
        }
        let ranged = try fixture.tables.query(QueryRequest(
            tableName: "Gsi", indexName: "g-r", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")], limit: 1))
        #expect(ranged.lastEvaluatedKey == ["pk": S("p0"), "sk": S("s"), "g": S("G"), "r": N("0")])
        let hashOnly = try fixture.tables.query(QueryRequest(
            tableName: "Gsi", indexName: "h-only", keyConditionExpression: "h = :h", expressionAttributeValues: [":h": S("H")], limit: 2))
        #expect(hashOnly.lastEvaluatedKey == ["pk": S("p1"), "sk": S("s"), "h": S("H")])
    }

    @Test func rule42_aPageMayBeEmptyAndStillCarryAKey() throws {
        let fixture = try Self.fixture()
        let page = try fixture.tables.query(Self.partition {
            $0.limit = 3
            $0.filterExpression = "v > :big"
            $0.expressionAttributeValues?[":big"] = N("1000")
        })
        #expect(page.items.isEmpty)
        #expect(page.lastEvaluatedKey != nil)
    }

    @Test(arguments: [1, 2, 3, 4, 7, 10, 11])
    func rule43_walkingPagesGivesTheUnpaginatedResult(limit: Int) throws {
        let fixture = try Self.fixture()
        let ranges: [(String, [String: AttributeValue])] = [
            ("pk = :p", [":p": S("p")]),
            ("pk = :p AND sk BETWEEN :a AND :b", [":p": S("p"), ":a": N("2"), ":b": N("7")]),
            ("pk = :p AND sk > :a", [":p": S("p"), ":a": N("6")]),
            ("pk = :p AND sk <= :a", [":p": S("p"), ":a": N("3")]),
        ]
        for (condition, values) in ranges {
            for forward in [true, false] {
                let whole = try fixture.tables.query(QueryRequest(
                    tableName: "Query", keyConditionExpression: condition, expressionAttributeValues: values, scanIndexForward: forward))
                let paged = try fixture.tables.queryAll(QueryRequest(
                    tableName: "Query", keyConditionExpression: condition, expressionAttributeValues: values, limit: limit,
                    scanIndexForward: forward))
                #expect(paged.items == whole.items, "\(condition) forward=\(forward) limit=\(limit)")
                #expect(whole.lastEvaluatedKey == nil)
            }
        }
        let wholeScan = try fixture.tables.scan(ScanRequest(tableName: "Query"))
        #expect(try fixture.tables.scanAll(ScanRequest(tableName: "Query", limit: limit)).items == wholeScan.items)
    }

    @Test func rule44_aPageEndingAtTheLastItemEndsTheWalk() throws {
        let fixture = try Self.fixture()
        let page = try fixture.tables.query(Self.partition { $0.limit = 10 })
        #expect(page.count == 10)
        if let lek = page.lastEvaluatedKey {
            let next = try fixture.tables.query(Self.partition {
                $0.limit = 10
                $0.exclusiveStartKey = lek
            })
            #expect(next.items.isEmpty && next.lastEvaluatedKey == nil)
        }
    }

    @Test func rule45_exclusiveStartKeyIsAPosition() throws {
        let fixture = try Self.fixture()
        // Never written (4.5), deleted (6): the read resumes strictly after the position.
        try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Query", key: ["pk": S("p"), "sk": N("6")]), durability: .synced)
        let afterMissing = try fixture.tables.query(Self.partition { $0.exclusiveStartKey = ["pk": S("p"), "sk": N("4.5")] })
        #expect(afterMissing.items.map { $0["sk"] } == [N("5"), N("7"), N("8"), N("9")])
        let afterDeleted = try fixture.tables.query(Self.partition { $0.exclusiveStartKey = ["pk": S("p"), "sk": N("6")] })
        #expect(afterDeleted.items.map { $0["sk"] } == [N("7"), N("8"), N("9")])
        let backward = try fixture.tables.query(Self.partition {
            $0.exclusiveStartKey = ["pk": S("p"), "sk": N("3")]
            $0.scanIndexForward = false
        })
        #expect(backward.items.map { $0["sk"] } == [N("2"), N("1"), N("0")])
        let malformed = dynamoError { _ = try fixture.tables.query(Self.partition { $0.exclusiveStartKey = ["pk": S("p")] }) }
        #expect(malformed?.code == .validation)
    }

    @Test(arguments: [1, 2, 3, 7])
    func rule46_segmentsAreDisjointAndCoverTheTable(totalSegments: Int) throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("Seg", sk: "sk", .number), durability: .synced)
        for partition in 0..<20 {
            for sort in 0..<3 { try fixture.tables.put("Seg", ["pk": S("p\(partition)"), "sk": N("\(sort)")]) }
        }
        var union: [Item] = []
        for segment in 0..<totalSegments {
            let items = try fixture.tables.scanAll(ScanRequest(tableName: "Seg", limit: 4, segment: segment, totalSegments: totalSegments)).items
            union += items
            // Within one partition, sort-key order.
            var lastByPartition: [AttributeValue: AttributeValue] = [:]
            for item in items {
                if let last = lastByPartition[item["pk"]!] {
                    #expect(ConditionEvaluation.scalarOrder(last, item["sk"]!)! < 0)
                }
                lastByPartition[item["pk"]!] = item["sk"]!
            }
        }
        let all = try fixture.tables.scan(ScanRequest(tableName: "Seg")).items
        #expect(union.count == all.count)
        #expect(Set(union) == Set(all))
        #expect(dynamoError { _ = try fixture.tables.scan(ScanRequest(tableName: "Seg", segment: 3, totalSegments: 3)) }?.code == .validation)
        #expect(dynamoError { _ = try fixture.tables.scan(ScanRequest(tableName: "Seg", segment: 0)) }?.code == .validation)
    }

    @Test func aPageEndsAtOneMegabyte() throws {
        let fixture = try Self.fixture(count: 0)
        let blob = S(String(repeating: "x", count: 100_000))
        for index in 0..<25 { try fixture.tables.put("Query", ["pk": S("big"), "sk": N("\(index)"), "blob": blob]) }
        let request = QueryRequest(tableName: "Query", keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("big")])
        let first = try fixture.tables.query(request)
        #expect(first.count == 11)  // 11 items of ~100 KB pass 1 MB
        #expect(first.lastEvaluatedKey == ["pk": S("big"), "sk": N("10")])
        let walk = try fixture.tables.queryAll(request)
        #expect(walk.items.map { $0["sk"] } == (0..<25).map { N("\($0)") })
        #expect(walk.pages == 3)
        let scanned = try fixture.tables.scanAll(ScanRequest(tableName: "Query", projectionExpression: "sk"))
        #expect(scanned.items.count == 26 && scanned.pages == 3)  // with the "other" item of the fixture
    }
}
