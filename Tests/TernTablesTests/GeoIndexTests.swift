import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// Rule 54 (the geohash matching query as 9 index queries) and `nearby` against brute force.
@Suite struct GeoIndexTests {
    static func usersTable(precision: Int = 4, projection: Projection = .all) -> CreateTableRequest {
        CreateTableRequest(
            tableName: "Users", keySchema: [KeySchemaElement(attributeName: "email", keyType: .hash)],
            attributeDefinitions: [
                AttributeDefinition(attributeName: "email", attributeType: .string),
                AttributeDefinition(attributeName: "geohash", attributeType: .string),
                AttributeDefinition(attributeName: "age", attributeType: .number),
            ],
            geohashIndex: GeohashIndex(indexName: "geohash-age-index", sortAttributeName: "age", precision: precision, projection: projection))
    }

    static func user(_ index: Int, _ latitude: Double, _ longitude: Double, age: Int) -> Item {
        ["email": S("u\(index)@x.io"), "lat": N("\(latitude)"), "lon": N("\(longitude)"), "age": N("\(age)"), "name": S("U\(index)")]
    }

    @Test func rule54_nineCellQueriesMatchBruteForce() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(Self.usersTable(), durability: .synced)
        var random = SeededGenerator.fromEnvironment("GeoIndexTests.rule54")
        let center = (51.5074, -0.1278)
        var users: [Item] = []
        for index in 0..<400 {
            let latitude = center.0 + Double.random(in: -0.6...0.6, using: &random)
            let longitude = center.1 + Double.random(in: -0.9...0.9, using: &random)
            users.append(Self.user(index, latitude, longitude, age: Int.random(in: 18...60, using: &random)))
        }
        users.append(Self.user(1000, 35.6, 139.7, age: 30))  // far away
        users.append(["email": S("nogeo@x.io"), "age": N("30")])  // no coordinates
        users.append(Self.user(1001, center.0, center.1, age: 30))
        users.append(Self.user(1002, center.0, center.1, age: 30))  // identical (geohash, age)
        for user in users { try tables.put("Users", user) }
        // A user who moves is re-indexed.
        try tables.updateItem(
            UpdateItemRequest(tableName: "Users", key: ["email": S("u1000@x.io")], updateExpression: "SET lat = :a, lon = :o",
                              expressionAttributeValues: [":a": N("\(center.0)"), ":o": N("\(center.1)")]), durability: .synced)
        let home = GeohashCell(latitude: center.0, longitude: center.1, precision: 4)
        let cells = [home] + home.neighbours
        let stored = try tables.scanAll(ScanRequest(tableName: "Users")).items
        let expected = Set(stored.filter { item in
            guard case .string(let cell)? = item["geohash"], case .number(let age)? = item["age"] else { return false }
            return cells.map(\.description).contains(cell) && age >= Number(25) && age <= Number(40)
        }.map { $0["email"]! })
        #expect(expected.contains(S("u1000@x.io")) && expected.contains(S("u1001@x.io")) && expected.contains(S("u1002@x.io")))
        #expect(!expected.contains(S("nogeo@x.io")))
        for limit in [nil, 3] as [Int?] {
            for forward in [true, false] {
                var union: [AttributeValue] = []
                for cell in cells {
                    let items = try tables.queryAll(QueryRequest(
                        tableName: "Users", indexName: "geohash-age-index", keyConditionExpression: "geohash = :g AND age BETWEEN :lo AND :hi",
                        expressionAttributeValues: [":g": S(cell.description), ":lo": N("25"), ":hi": N("40")], limit: limit,
                        scanIndexForward: forward)).items
                    let ages = items.map { $0["age"]! }
                    let sortedAges = ages.sorted { ConditionEvaluation.scalarOrder($0, $1)! < 0 }
                    #expect(ages == (forward ? sortedAges : sortedAges.reversed()))
                    union += items.map { $0["email"]! }
                }
                #expect(union.count == Set(union).count)
                #expect(Set(union) == expected, "limit \(String(describing: limit)) forward \(forward)")
            }
        }
    }

    @Test func nearbyMatchesBruteForceAnywhere() throws {
        let fixture = try TableFixture(memtableBudgetBytes: 256 << 10)
        let tables = fixture.tables
        try tables.createTable(Self.usersTable(precision: 4, projection: .include(["name"])), durability: .synced)
        var random = SeededGenerator.fromEnvironment("GeoIndexTests.nearby")
        let centers: [(Double, Double)] = [(51.5, -0.12), (0.1, 179.95), (-0.1, -179.97), (89.9, 45), (-89.95, 100), (40.7, -74), (-33.9, 151.2)]
        var users: [Item] = []
        for index in 0..<1500 {
            let center = centers[index % centers.count]
            let (latitude, longitude) = GeohashTests.destination(
                latitude: center.0, longitude: center.1, distance: Double.random(in: 0...150_000, using: &random),
                bearing: Double.random(in: 0..<(2 * .pi), using: &random))
            users.append(Self.user(index, latitude, longitude, age: Int.random(in: 18...70, using: &random)))
        }
        for user in users { try tables.put("Users", user) }
        var evaluated = 0
        var returned = 0
        for round in 0..<40 {
            let center = centers[round % centers.count]
            let radius = [5.0, 25, 60, 140][round % 4]
            let low = Int.random(in: 18...50, using: &random)
            let high = low + Int.random(in: 0...20, using: &random)
            let expected = Set(users.filter { user in
                let distance = GeoDistance.haversineMeters(
                    latitude1: center.0, longitude1: center.1, latitude2: Self.degrees(user["lat"]), longitude2: Self.degrees(user["lon"]))
                guard case .number(let age)? = user["age"] else { return false }
                return distance <= radius * 1000 && age >= Number(low) && age <= Number(high)
            }.map { $0["email"]! })
            var request = NearbyRequest(
                tableName: "Users", latitude: center.0, longitude: center.1, radiusKilometers: radius,
                sortKeyCondition: .between(.number(Number(low)), .number(Number(high))), limit: Int.random(in: 1...30, using: &random))
            var found: [AttributeValue] = []
            var pages = 0
            repeat {
                let page = try tables.nearby(request)
                pages += 1
                #expect(page.count == page.items.count && page.count <= request.limit)
                #expect(page.items.allSatisfy { Set($0.keys).isSubset(of: ["email", "geohash", "age", "name"]) })
                found += page.items.map { $0["email"]! }
                evaluated += page.scannedCount
                returned += page.count
                request.cursor = page.cursor
            } while request.cursor != nil && pages < 10_000
            #expect(found.count == Set(found).count, "duplicates around \(center) radius \(radius)")
            #expect(Set(found) == expected, "around \(center) radius \(radius) ages \(low)...\(high)")
        }
        print("[GeoIndexTests.nearby] evaluated \(evaluated), returned \(returned) (\(Double(evaluated) / Double(max(returned, 1))) per item)")
    }

    @Test func nearbyProjectsFiltersAndRejectsForeignCursors() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(Self.usersTable(), durability: .synced)
        for index in 0..<30 { try tables.put("Users", Self.user(index, 48.85 + Double(index) * 0.001, 2.35, age: 20 + index % 10)) }
        let page = try tables.nearby(NearbyRequest(
            tableName: "Users", latitude: 48.86, longitude: 2.35, radiusKilometers: 10, filterExpression: "age > :a",
            projectionExpression: "email, age", expressionAttributeValues: [":a": N("25")], limit: 5))
        #expect(page.count == 5)
        #expect(page.items.allSatisfy { Set($0.keys) == ["email", "age"] })
        #expect(page.scannedCount > page.count)
        let foreign = NearbyRequest(tableName: "Users", latitude: 10, longitude: 10, radiusKilometers: 10, cursor: page.cursor)
        #expect(dynamoError { _ = try tables.nearby(foreign) }?.code == .validation)
        let badRadius = NearbyRequest(tableName: "Users", latitude: 10, longitude: 10, radiusKilometers: 0)
        #expect(dynamoError { _ = try tables.nearby(badRadius) }?.code == .validation)
        let badType = NearbyRequest(tableName: "Users", latitude: 10, longitude: 10, radiusKilometers: 1, sortKeyCondition: .equal(.string("x")))
        #expect(dynamoError { _ = try tables.nearby(badType) }?.code == .validation)
        #expect(dynamoError { try tables.put("Users", ["email": S("bad"), "lat": S("north"), "lon": N("1")]) }?.code == .validation)
        #expect(dynamoError { try tables.put("Users", ["email": S("bad"), "lat": N("91"), "lon": N("1")]) }?.code == .validation)
    }

    static func degrees(_ value: AttributeValue?) -> Double {
        guard case .number(let number)? = value else { return .nan }
        return number.doubleValue
    }
}
