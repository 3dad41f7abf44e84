import Foundation
import Testing
import TernClient
import TernEngine
import TernTables
import TernTesting
import TernWire

/// `tern get` and `tern scan` as a user runs them: from the directory of a store another process
/// (here: this one) has open, and from a node with `--endpoint`; DynamoDB JSON one item a line;
/// errors on standard error with a non-zero exit.
@Suite struct ItemCommandTests {
    static let pets = CreateTableRequest(
        tableName: "Pets", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
        attributeDefinitions: [
            AttributeDefinition(attributeName: "pk", attributeType: .string), AttributeDefinition(attributeName: "kind", attributeType: .string),
        ],
        billingMode: .payPerRequest,
        globalSecondaryIndexes: [
            GlobalSecondaryIndex(
                indexName: "by-kind", keySchema: [KeySchemaElement(attributeName: "kind", keyType: .hash)], projection: .keysOnly)
        ])

    static func pet(_ index: Int) -> Item {
        var item: Item = ["pk": .string("pet\(index)"), "name": .string("Pet \(index)"), "tags": .stringSet(["a"]),
                          "info": .map(["z": 1, "a": .list(["x"])])]
        if index % 3 == 0 { item["kind"] = "cat" }
        return item
    }

    /// Every file of `directory` with its bytes.
    static func contents(of directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }

    /// A store holding `pets` pets, some in SSTables and the rest in the WAL, left open (and
    /// locked) as a running service would.
    static func store(at directory: String, pets: Int) throws -> TableStore {
        var options = StoreOptions()
        options.memtableBudgetBytes = 64 << 10
        let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try tables.createTable(Self.pets, durability: .synced)
        for index in 0..<pets { try tables.putItem(PutItemRequest(tableName: "Pets", item: Self.pet(index)), durability: .buffered) }
        try tables.store.sync()
        tables.store.waitForCompactions()
        return tables
    }

    static func lines(_ outcome: ChildProcess.Outcome) -> [String] {
        outcome.text.split(separator: "\n").map(String.init)
    }

    @Test("from a directory a running store holds: items as sorted DynamoDB JSON, --limit, --projection, --index, get; nothing changes")
    func fromADirectory() async throws {
        let directory = ClientTestSupport.temporaryDirectory("cli") + "/tables"
        let tables = try Self.store(at: directory, pets: 300)
        let before = try Self.contents(of: directory)
        let tern = ClientTestSupport.tern

        let all = try await ClientTestSupport.run(tern, ["scan", directory, "--table", "Pets"])
        #expect(all.exitStatus == 0, "\(all.text)")
        let printed = Self.lines(all)
        #expect(printed.count == 300)
        #expect(Set(try printed.map { try WireItem.decode(string: $0) }.map(AttributeValue.describe))
            == Set((0..<300).map { AttributeValue.describe(Self.pet($0)) }))
        // Names sorted at every level, so equal items print alike.
        #expect(printed.contains(WireItem.encodeSortedString(Self.pet(7))))
        #expect(WireItem.encodeSortedString(Self.pet(7)) == "{\"info\":{\"M\":{\"a\":{\"L\":[{\"S\":\"x\"}]},\"z\":{\"N\":\"1\"}}},\"name\":{\"S\":\"Pet 7\"},\"pk\":{\"S\":\"pet7\"},\"tags\":{\"SS\":[\"a\"]}}")

        let limited = try await ClientTestSupport.run(tern, ["scan", directory, "--table-name", "Pets", "--limit", "7", "--projection", "#n", "--expression-attribute-names", "{\"#n\": \"name\"}"])
        #expect(limited.exitStatus == 0 && Self.lines(limited).count == 7, "\(limited.text)")
        #expect(Self.lines(limited).allSatisfy { $0.hasPrefix("{\"name\":{\"S\":\"Pet ") && !$0.contains("pk") })

        let index = try await ClientTestSupport.run(tern, ["scan", directory, "--table", "Pets", "--index", "by-kind"])
        #expect(index.exitStatus == 0 && Self.lines(index).count == 100, "\(index.text)")
        #expect(Self.lines(index).allSatisfy { $0.contains("\"kind\":{\"S\":\"cat\"}") && !$0.contains("name") })

        let filtered = try await ClientTestSupport.run(tern, [
            "scan", directory, "--table", "Pets", "--filter-expression", "pk = :p", "--expression-attribute-values", "{\":p\": {\"S\": \"pet42\"}}",
        ])
        #expect(filtered.exitStatus == 0 && Self.lines(filtered) == [WireItem.encodeSortedString(Self.pet(42))], "\(filtered.text)")

        let got = try await ClientTestSupport.run(tern, ["get", directory, "--table", "Pets", "--key", "{\"pk\": {\"S\": \"pet9\"}}"])
        #expect(got.exitStatus == 0 && Self.lines(got) == [WireItem.encodeSortedString(Self.pet(9))], "\(got.text)")
        let projected = try await ClientTestSupport.run(tern, ["get", directory, "--table", "Pets", "--key", "{\"pk\": {\"S\": \"pet9\"}}", "--projection-expression", "info.z"])
        #expect(Self.lines(projected) == ["{\"info\":{\"M\":{\"z\":{\"N\":\"1\"}}}}"], "\(projected.text)")
        let missing = try await ClientTestSupport.run(tern, ["get", directory, "--table", "Pets", "--key", "{\"pk\": {\"S\": \"nobody\"}}"])
        #expect(missing.exitStatus == 0 && missing.text == "tern get: no item with that key in Pets\n", "\(missing.text)")

        #expect(try Self.contents(of: directory) == before)
        try await tables.putItem(PutItemRequest(tableName: "Pets", item: ["pk": "after"]), durability: .synced)  // still the owner's
        try await tables.close()
    }

    @Test("bad arguments and failed reads: a clear message and a non-zero exit")
    func errors() async throws {
        let directory = ClientTestSupport.temporaryDirectory("cli-errors") + "/tables"
        try await Self.store(at: directory, pets: 0).close()
        let tern = ClientTestSupport.tern
        let cases: [([String], Int32, String)] = [
            (["get", directory, "--table", "Pets", "--key", "{\"pk\": \"x\"}"], 64, "--key is not DynamoDB JSON"),
            (["get", directory, "--table", "Pets", "--key", "pk=x"], 64, "--key is not DynamoDB JSON"),
            (["get", directory, "--table", "Pets", "--key", "{\"name\": {\"S\": \"x\"}}"], 1, "tern get: ValidationException: The provided key element does not match the schema"),
            (["get", directory, "--table", "Nope", "--key", "{\"pk\": {\"S\": \"x\"}}"], 1, "tern get: ResourceNotFoundException"),
            (["scan", directory, "--table", "Nope"], 1, "tern scan: ResourceNotFoundException"),
            (["scan", directory, "--table", "Pets", "--index", "nope"], 1, "tern scan: ValidationException"),
            (["scan", directory, "--table", "Pets", "--limit", "0"], 64, "--limit must be at least 1"),
            (["scan", "--table", "Pets"], 64, "name a store directory or --endpoint URL"),
            (["scan", directory, "--endpoint", "http://127.0.0.1:1", "--table", "Pets"], 64, "not both"),
            (["scan", directory + "/missing", "--table", "Pets"], 1, "tern scan: cannot open the store in"),
            (["scan", "--endpoint", "localhost:8000", "--table", "Pets"], 1, "tern scan: invalidConfiguration: endpoint 'localhost:8000' has no scheme"),
        ]
        for (arguments, status, message) in cases {
            let outcome = try await ClientTestSupport.run(tern, arguments)
            #expect(outcome.exitStatus == status, "\(arguments): \(outcome.text)")
            #expect(outcome.text.contains(message), "\(arguments): \(outcome.text)")
        }
        #expect(access(directory + "/missing", F_OK) != 0)
    }

    @Test("with --endpoint: the same lines from a node, through the remote client")
    func fromANode() async throws {
        let node = try await ClientTestSupport.startNode("cli-node")
        let client = try ClientTestSupport.client(node)
        try await client.createTable(Self.pets, durability: .synced)
        for index in 0..<40 { try await client.putItem(PutItemRequest(tableName: "Pets", item: Self.pet(index)), durability: .synced) }
        let endpoint = ClientTestSupport.endpoint(node)
        let tern = ClientTestSupport.tern
        let scanned = try await ClientTestSupport.run(tern, ["scan", "--endpoint", endpoint, "--table", "Pets"], environment: ["AWS_REGION": "eu-west-1"])
        #expect(scanned.exitStatus == 0, "\(scanned.text)")
        #expect(Set(Self.lines(scanned)) == Set((0..<40).map { WireItem.encodeSortedString(Self.pet($0)) }))
        let got = try await ClientTestSupport.run(tern, ["get", "--endpoint", endpoint, "--table", "Pets", "--key", "{\"pk\": {\"S\": \"pet3\"}}"])
        #expect(Self.lines(got) == [WireItem.encodeSortedString(Self.pet(3))], "\(got.text)")
        let missing = try await ClientTestSupport.run(tern, ["scan", "--endpoint", endpoint, "--table", "Nope"])
        #expect(missing.exitStatus == 1 && missing.text.contains("tern scan: ResourceNotFoundException"), "\(missing.text)")
        try await client.shutdown()
        await node.shutdown()
        let gone = try await ClientTestSupport.run(tern, ["scan", "--endpoint", endpoint, "--table", "Pets"])
        #expect(gone.exitStatus == 1 && gone.text.hasPrefix("tern scan: cannot reach \(endpoint): "), "\(gone.text)")
    }
}
