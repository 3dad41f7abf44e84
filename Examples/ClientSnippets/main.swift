// The README's "One API, two backends" snippet, verbatim, as the body of a function (its
// `import`s are this file's). DocumentationTests checks that it matches the README;
// TernClientTests runs this program twice embedded and twice against a node:
// `client-snippets DIR [ENDPOINT]` changes into DIR (the snippet uses relative paths) and runs
// the snippet with ENDPOINT as the configured endpoint (none: embedded).
import TernClient
import TernEngine
import TernTables

#if canImport(Glibc)
import Glibc
#endif

func clientSnippet(tablesEndpoint: String?) async throws {
    // README snippet: client
    struct Visits: Codable, Sendable {
        var user: String
        var count: Int
    }

    // The service's data access, written once against the protocol.
    func recordVisit(of user: String, in tables: some TableService) async throws -> Int {
        let updated = try await tables.updateItem(UpdateItemRequest(
            tableName: "Visits", key: ["user": .string(user)], updateExpression: "ADD #c :one",
            expressionAttributeNames: ["#c": "count"], expressionAttributeValues: [":one": 1],
            returnValues: .allNew), durability: .synced)
        let visits = try ItemDecoder().decode(Visits.self, from: updated.attributes ?? [:])
        return visits.count
    }

    func serve(_ tables: some TableService) async throws {
        try await tables.createTableIfNotExists(CreateTableRequest(
            tableName: "Visits", keySchema: [KeySchemaElement(attributeName: "user", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "user", attributeType: .string)],
            billingMode: .payPerRequest), durability: .synced)
        print("ada visited", try await recordVisit(of: "ada", in: tables), "times")
    }

    // The configuration picks the backend: with no `tablesEndpoint` the tables live in a
    // directory of this process; with one ("http://127.0.0.1:8000", "https://dynamodb.eu-west-1.amazonaws.com")
    // they live on a Tern node, in DynamoDB or in ScyllaDB Alternator.
    if let tablesEndpoint {
        let tables = try TableClient(configuration: TableClientConfiguration(
            endpoint: tablesEndpoint, region: "us-east-1", credentials: try .environment()))
        try await serve(tables)
        try await tables.shutdown()
    } else {
        let tables = try await TableStore.open(at: "data/visits", storeOptions: StoreOptions(), clock: .system)
        try await serve(tables)
        try await tables.close()
    }
    // end of README snippet
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, chdir(arguments[1]) == 0 else {
    print("usage: client-snippets DIR [ENDPOINT]")
    exit(2)
}
try await clientSnippet(tablesEndpoint: arguments.count > 2 ? arguments[2] : nil)
