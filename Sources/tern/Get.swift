import ArgumentParser
import TernTables
import TernWire

/// `tern get`: one item, printed as DynamoDB JSON.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one item as DynamoDB JSON, from a store directory or an endpoint.",
        discussion: """
            Reads a store directory read-only (no lock, nothing written: it works beside the \
            service or node that has it open, and shows the state on disk when it starts) or, \
            with --endpoint, a DynamoDB-API endpoint. Prints the item on one line, attribute \
            names sorted. When there is no item with that key it prints nothing on standard \
            output (a note on standard error) and exits 0, as the AWS CLI does. Errors go to \
            standard error with DynamoDB's names; the exit status is then 1.

              tern get tern-data/us-east/data --table Users --key '{"email": {"S": "ada@example.com"}}'
              tern get --endpoint http://127.0.0.1:8000 --table Users --key '{"email": {"S": "ada@example.com"}}'
            """)

    @OptionGroup var source: ItemSourceOptions

    @Option(help: "The item's key as DynamoDB JSON, e.g. '{\"pk\": {\"S\": \"a\"}}'.")
    var key: String

    @Option(name: [.customLong("projection"), .customLong("projection-expression")], help: "The attributes to print (a ProjectionExpression).")
    var projection: String?

    @Option(help: "Placeholders of the projection, e.g. '{\"#n\": \"name\"}'.")
    var expressionAttributeNames: String?

    @Flag(help: "A strongly consistent read (every read of a Tern store is).")
    var consistentRead = false

    func validate() throws {
        _ = try JSONArgument.item(key, option: "--key")
        _ = try JSONArgument.names(expressionAttributeNames)
    }

    func run() async throws {
        let request = GetItemRequest(
            tableName: source.table, key: try JSONArgument.item(key, option: "--key"), projectionExpression: projection,
            expressionAttributeNames: try JSONArgument.names(expressionAttributeNames), consistentRead: consistentRead)
        let opened = try await source.open("get")
        let response: GetItemResponse
        do {
            response = try await opened.service.getItem(request)
        } catch {
            await opened.close()
            throw CommandFailure.report("get", CommandFailure.describe(error, endpoint: source.endpoint))
        }
        await opened.close()
        if let item = response.item {
            print(WireItem.encodeSortedString(item))
        } else {
            FileHandleStderr.write("tern get: no item with that key in \(source.table)\n")
        }
    }
}
