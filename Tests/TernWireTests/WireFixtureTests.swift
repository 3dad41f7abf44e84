import Foundation
import TernTables
import Testing

@testable import TernWire

/// Golden tests: every operation's request and response fixture (Fixtures/operations) decodes
/// into the table layer's types and encodes back to the same JSON, and every malformed body
/// (Fixtures/malformed.json) is refused with DynamoDB's error.
struct WireFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Decodes a body as `T`, encodes it again.
    static func roundTrip<T: WireCodable>(_: T.Type, _ bytes: [UInt8]) throws -> [UInt8] {
        try T(wireBytes: bytes).wireBytes()
    }

    /// Every operation with its request and response types.
    static let codecs: [String: (request: @Sendable ([UInt8]) throws -> [UInt8], response: @Sendable ([UInt8]) throws -> [UInt8])] = [
        "PutItem": ({ try roundTrip(PutItemRequest.self, $0) }, { try roundTrip(PutItemResponse.self, $0) }),
        "GetItem": ({ try roundTrip(GetItemRequest.self, $0) }, { try roundTrip(GetItemResponse.self, $0) }),
        "UpdateItem": ({ try roundTrip(UpdateItemRequest.self, $0) }, { try roundTrip(UpdateItemResponse.self, $0) }),
        "DeleteItem": ({ try roundTrip(DeleteItemRequest.self, $0) }, { try roundTrip(DeleteItemResponse.self, $0) }),
        "Query": ({ try roundTrip(QueryRequest.self, $0) }, { try roundTrip(QueryResponse.self, $0) }),
        "Scan": ({ try roundTrip(ScanRequest.self, $0) }, { try roundTrip(ScanResponse.self, $0) }),
        "BatchGetItem": ({ try roundTrip(BatchGetItemRequest.self, $0) }, { try roundTrip(BatchGetItemResponse.self, $0) }),
        "BatchWriteItem": ({ try roundTrip(BatchWriteItemRequest.self, $0) }, { try roundTrip(BatchWriteItemResponse.self, $0) }),
        "TransactWriteItems": (
            { try roundTrip(TransactWriteItemsRequest.self, $0) }, { try roundTrip(TransactWriteItemsResponse.self, $0) }
        ),
        "TransactGetItems": (
            { try roundTrip(TransactGetItemsRequest.self, $0) }, { try roundTrip(TransactGetItemsResponse.self, $0) }
        ),
        "CreateTable": ({ try roundTrip(CreateTableRequest.self, $0) }, { try roundTrip(CreateTableResponse.self, $0) }),
        "DescribeTable": ({ try roundTrip(DescribeTableRequest.self, $0) }, { try roundTrip(DescribeTableResponse.self, $0) }),
        "DeleteTable": ({ try roundTrip(DeleteTableRequest.self, $0) }, { try roundTrip(DeleteTableResponse.self, $0) }),
        "ListTables": ({ try roundTrip(ListTablesRequest.self, $0) }, { try roundTrip(ListTablesResponse.self, $0) }),
        "UpdateTimeToLive": (
            { try roundTrip(UpdateTimeToLiveRequest.self, $0) }, { try roundTrip(UpdateTimeToLiveResponse.self, $0) }
        ),
        "DescribeTimeToLive": (
            { try roundTrip(DescribeTimeToLiveRequest.self, $0) }, { try roundTrip(DescribeTimeToLiveResponse.self, $0) }
        ),
        "Nearby": ({ try roundTrip(NearbyRequest.self, $0) }, { try roundTrip(NearbyResponse.self, $0) }),
    ]

    static func load(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    @Test("every operation has a request and a response fixture")
    func everyOperationHasFixtures() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent("operations").path)
        let operations = Set(files.compactMap { $0.split(separator: ".").first.map(String.init) })
        #expect(operations == Set(Self.codecs.keys))
        #expect(files.count == 2 * Self.codecs.count)
    }

    @Test("request and response fixtures decode and encode back to the same JSON", arguments: codecs.keys.sorted())
    func fixtureRoundTrips(operation: String) throws {
        let codec = try #require(Self.codecs[operation])
        for (suffix, roundTrip) in [("request", codec.request), ("response", codec.response)] {
            let original = try Self.load("operations/\(operation).\(suffix).json")
            let encoded = try roundTrip(original)
            #expect(try JSONParser.parse(encoded) == JSONParser.parse(original), "\(operation) \(suffix)")
        }
    }

    @Test("a PutItem fixture decodes into the values it spells")
    func putItemFixtureValues() throws {
        let request = try PutItemRequest(wireBytes: Self.load("operations/PutItem.request.json"))
        #expect(request.tableName == "Users")
        #expect(request.item["age"] == .number(try Number("42.5")))
        #expect(request.item["avatar"] == .binary([0, 1, 2, 255]))
        #expect(request.item["gone"] == .null)
        #expect(request.item["blobs"] == .binarySet([[1], [2]]))
        #expect(request.item["nested"] == .map(["l": .list([.string("x"), .number(Number(7)), .map([:])]), "e": .string("")]))
        #expect(request.returnValues == .allOld)
        #expect(request.returnValuesOnConditionCheckFailure == .allOld)
        #expect(request.expressionAttributeNames == ["#n": "name"])
    }

    struct MalformedCase: Decodable, CustomTestStringConvertible {
        var `case`: String
        var operation: String
        var body: String
        var expect: String
        var testDescription: String { self.case }
    }

    static let malformed: [MalformedCase] = {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("malformed.json")),
            let cases = try? JSONDecoder().decode([MalformedCase].self, from: data)
        else { return [] }
        return cases
    }()

    @Test("the malformed-input fixture loads")
    func malformedFixtureLoads() {
        #expect(Self.malformed.count >= 30)
    }

    @Test("malformed bodies get DynamoDB's error", arguments: malformed)
    func malformedBody(_ malformed: MalformedCase) throws {
        let codec = try #require(Self.codecs[malformed.operation])
        do {
            _ = try codec.request(Array(malformed.body.utf8))
            #expect(malformed.expect == "ok", "accepted, expected \(malformed.expect)")
        } catch let error as WireError {
            #expect(error.name == malformed.expect, "\(error)")
            #expect(error.status == 400)
        }
    }
}
