import ArgumentParser
import TernTables
import TernWire

/// `tern scan`: the items of a table or index, one DynamoDB-JSON line each.
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the items of a table or index as DynamoDB JSON, one a line, from a store directory or an endpoint.",
        discussion: """
            Reads a store directory read-only (no lock, nothing written: it works beside the \
            service or node that has it open, and shows the state on disk when it starts) or, \
            with --endpoint, a DynamoDB-API endpoint, page after page. Each item is one line, \
            attribute names sorted. Errors go to standard error with DynamoDB's names; the exit \
            status is then 1.

              tern scan tern-data/us-east/data --table Users --limit 10 --projection 'email, age'
              tern scan --endpoint http://127.0.0.1:8000 --table Users --index geohash-age-index
            """)

    @OptionGroup var source: ItemSourceOptions

    @Option(help: "Print at most this many items (default: all).")
    var limit: Int?

    @Option(name: [.customLong("index"), .customLong("index-name")], help: "Scan this secondary index instead of the table.")
    var index: String?

    @Option(name: [.customLong("projection"), .customLong("projection-expression")], help: "The attributes to print (a ProjectionExpression).")
    var projection: String?

    @Option(help: "Print only the items for which this FilterExpression holds.")
    var filterExpression: String?

    @Option(help: "Placeholders for attribute names, e.g. '{\"#n\": \"name\"}'.")
    var expressionAttributeNames: String?

    @Option(help: "Placeholders for values, as DynamoDB JSON, e.g. '{\":min\": {\"N\": \"30\"}}'.")
    var expressionAttributeValues: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        _ = try JSONArgument.names(expressionAttributeNames)
        _ = try JSONArgument.values(expressionAttributeValues)
    }

    func run() async throws {
        let request = ScanRequest(
            tableName: source.table, indexName: index, filterExpression: filterExpression, projectionExpression: projection,
            expressionAttributeNames: try JSONArgument.names(expressionAttributeNames),
            expressionAttributeValues: try JSONArgument.values(expressionAttributeValues),
            // A page evaluates at most --limit items: no more is read than can be printed.
            limit: limit.map { min($0, 1_000) })
        let opened = try await source.open("scan")
        var printed = 0
        do {
            for try await item in opened.service.scanItems(request) {
                print(WireItem.encodeSortedString(item))
                printed += 1
                if let limit, printed >= limit { break }
            }
        } catch {
            await opened.close()
            throw CommandFailure.report("scan", CommandFailure.describe(error, endpoint: source.endpoint))
        }
        await opened.close()
    }
}
