import TernEngine
import TernTables

/// Copies one table (definition, indexes, TTL setting, items) from one `TableStore` into a new
/// table of another: how a table-level restore puts the restored table into the live store.
enum TableCopy {
    /// The CreateTable request that recreates `description` under `name`.
    static func createRequest(for description: TableDescription, as name: String) -> CreateTableRequest {
        let geohashName = description.geohashIndex?.indexName
        let globals = (description.globalSecondaryIndexes ?? [])
            .filter { $0.indexName != geohashName }
            .map { GlobalSecondaryIndex(indexName: $0.indexName, keySchema: $0.keySchema, projection: $0.projection,
                                        provisionedThroughput: $0.provisionedThroughput) }
        let locals = (description.localSecondaryIndexes ?? [])
            .map { LocalSecondaryIndex(indexName: $0.indexName, keySchema: $0.keySchema, projection: $0.projection) }
        return CreateTableRequest(
            tableName: name, keySchema: description.keySchema, attributeDefinitions: description.attributeDefinitions,
            billingMode: description.billingMode, provisionedThroughput: description.provisionedThroughput,
            globalSecondaryIndexes: globals, localSecondaryIndexes: locals, geohashIndex: description.geohashIndex,
            timeToLiveSpecification: description.timeToLive)
    }

    /// Creates `name` in `destination` like `table` of `source` and copies every item (index
    /// entries are built as the items are written). Returns the new table's description.
    static func copy(table: String, from source: TableStore, to destination: TableStore, as name: String) throws -> TableDescription {
        let description = try source.describeTable(DescribeTableRequest(tableName: table)).table
        let created = try destination.createTable(createRequest(for: description, as: name), durability: .buffered)
        var startKey: Item?
        repeat {
            let page = try source.scan(ScanRequest(tableName: table, limit: 1000, exclusiveStartKey: startKey))
            var chunk: [WriteRequest] = []
            for item in page.items {
                chunk.append(.put(item: item))
                if chunk.count == 25 {
                    _ = try destination.batchWriteItem(BatchWriteItemRequest(requestItems: [name: chunk]), durability: .buffered)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty {
                _ = try destination.batchWriteItem(BatchWriteItemRequest(requestItems: [name: chunk]), durability: .buffered)
            }
            startKey = page.lastEvaluatedKey
        } while startKey != nil
        return created.tableDescription
    }
}
