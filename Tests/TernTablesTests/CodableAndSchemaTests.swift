import OITHExample
import Testing
import TernEngine
@testable import TernTables

/// `Codable` mapping and the OITH schemas.
@Suite struct CodableAndSchemaTests {
    static let profile = UserProfile(
        email: "ada@example.com", name: "Ada", age: 36, gender: "F", interestedIn: ["M", "NB"], city: "London", lat: 51.5074,
        lon: -0.1278, photoUrl: nil, bio: "Engines, \u{1F40D} and poetry", interests: ["maths", "music"])

    @Test func aUserProfileRoundTripsThroughAnItem() throws {
        let item = try ItemEncoder().encode(Self.profile)
        #expect(item["email"] == S("ada@example.com"))
        #expect(item["age"] == N("36"))
        #expect(item["lat"] == N("51.5074"))
        #expect(item["interestedIn"] == .stringSet(["NB", "M"]))
        #expect(item["interests"] == .list([S("maths"), S("music")]))
        #expect(item["photoUrl"] == nil)  // nil optionals are left out
        #expect(try ItemDecoder().decode(UserProfile.self, from: item) == Self.profile)
        // Through the codec and back.
        let stored = try ItemCodec.decode(ItemCodec.encode(item))
        #expect(try ItemDecoder().decode(UserProfile.self, from: stored) == Self.profile)
    }

    struct Nested: Codable, Equatable {
        struct Inner: Codable, Equatable {
            var flag: Bool
            var bytes: [UInt8]
        }
        var count: UInt8
        var big: Int64
        var ratio: Float
        var inner: Inner
        var map: [String: [Int]]
        var optional: String?
        var number: Number
    }

    @Test func nestedValuesMapToTheirDynamoTypes() throws {
        let value = Nested(
            count: 255, big: -9_007_199_254_740_993, ratio: 0.25, inner: .init(flag: true, bytes: [0, 255]), map: ["a": [1, 2], "b": []],
            optional: "here", number: num("1.50"))
        let item = try ItemEncoder().encode(value)
        #expect(item["big"] == N("-9007199254740993"))
        #expect(item["inner"] == .map(["flag": .bool(true), "bytes": B([0, 255])]))
        #expect(item["map"] == .map(["a": .list([N("1"), N("2")]), "b": .list([])]))
        #expect(try ItemDecoder().decode(Nested.self, from: item) == value)
        // An integer must be exact and in range.
        #expect(throws: DecodingError.self) { try ItemDecoder().decode(UInt8.self, from: N("256")) }
        #expect(throws: DecodingError.self) { try ItemDecoder().decode(Int.self, from: N("1.5")) }
        #expect(throws: DecodingError.self) { try ItemDecoder().decode(Nested.self, from: ["count": N("1")]) }
        #expect(throws: EncodingError.self) { try ItemEncoder().encode([1, 2]) }
        #expect(throws: EncodingError.self) { try ItemEncoder().encodeValue(Double.infinity) }
    }

    @Test func theOITHTablesCreateAndServeTheirQueries() throws {
        let fixture = try TableFixture()
        for request in OITHSchemas.all { try fixture.tables.createTable(request, durability: .synced) }
        #expect(try fixture.tables.listTables(ListTablesRequest()).tableNames == ["Analytics", "Matches", "Messages", "Users"])
        var item = try ItemEncoder().encode(Self.profile)
        try fixture.tables.put("Users", item)
        item["geohash"] = S(Geohash.encode(latitude: Self.profile.lat, longitude: Self.profile.lon, precision: 4))
        #expect(try fixture.tables.get("Users", ["email": S("ada@example.com")]) == item)
        let near = try fixture.tables.nearby(NearbyRequest(
            tableName: "Users", latitude: 51.5, longitude: -0.1, radiusKilometers: 10,
            sortKeyCondition: .between(.number(Number(30)), .number(Number(40))), projectionExpression: "email, #n, age, gender, city",
            expressionAttributeNames: ["#n": "name"]))
        #expect(near.items == [["email": S("ada@example.com"), "name": S("Ada"), "age": N("36"), "gender": S("F"), "city": S("London")]])
        // Matches by score through the LSI, and expiring candidate lists.
        let expires = fixture.clock.now + 3600
        for (index, score) in [0.9, 0.4, 0.7].enumerated() {
            try fixture.tables.put("Matches", [
                "userEmail": S("ada@example.com"), "candidateEmail": S("c\(index)@example.com"), "score": N("\(score)"), "expiresAt": N("\(expires)"),
            ])
        }
        let best = try fixture.tables.query(QueryRequest(
            tableName: "Matches", indexName: "score-index", keyConditionExpression: "userEmail = :u",
            expressionAttributeValues: [":u": S("ada@example.com")], scanIndexForward: false))
        #expect(best.items.map { $0["candidateEmail"] } == [S("c0@example.com"), S("c2@example.com"), S("c1@example.com")])
        fixture.clock.advance(by: 3601)
        #expect(try fixture.tables.query(QueryRequest(
            tableName: "Matches", keyConditionExpression: "userEmail = :u", expressionAttributeValues: [":u": S("ada@example.com")])).count == 0)
        #expect(try fixture.tables.purgeExpired(durability: .synced) == 3)
    }
}
