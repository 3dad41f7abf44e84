/// Whether an existing table is the one a CreateTable request describes, for
/// create-if-not-exists: the same keys, attribute types and indexes. Capacity, billing mode and
/// TTL may differ (they can be changed after creation and do not change what the table holds).
enum TableDefinitionMatch {
    /// - Throws: `ResourceInUseException` naming the first difference.
    static func check(_ existing: TableDescription, against request: CreateTableRequest) throws(DynamoError) {
        if let difference = firstDifference(existing, request) {
            throw DynamoError(
                .resourceInUse,
                "Table already exists with a different definition: \(request.tableName) (\(difference))")
        }
    }

    static func firstDifference(_ existing: TableDescription, _ request: CreateTableRequest) -> String? {
        if existing.keySchema != request.keySchema { return "key schema" }
        if Set(existing.attributeDefinitions) != Set(request.attributeDefinitions) { return "attribute definitions" }
        if existing.geohashIndex != request.geohashIndex { return "geohash index" }
        // DescribeTable lists the geohash index among the GSIs; the request does not.
        let existingGlobals = (existing.globalSecondaryIndexes ?? [])
            .filter { $0.indexName != existing.geohashIndex?.indexName }
            .map { IndexShape(name: $0.indexName, keySchema: $0.keySchema, projection: $0.projection) }
        let requestedGlobals = request.globalSecondaryIndexes
            .map { IndexShape(name: $0.indexName, keySchema: $0.keySchema, projection: $0.projection) }
        if Set(existingGlobals) != Set(requestedGlobals) { return "global secondary indexes" }
        let existingLocals = (existing.localSecondaryIndexes ?? [])
            .map { IndexShape(name: $0.indexName, keySchema: $0.keySchema, projection: $0.projection) }
        let requestedLocals = request.localSecondaryIndexes
            .map { IndexShape(name: $0.indexName, keySchema: $0.keySchema, projection: $0.projection) }
        if Set(existingLocals) != Set(requestedLocals) { return "local secondary indexes" }
        return nil
    }

    private struct IndexShape: Hashable {
        let name: String
        let keySchema: [KeySchemaElement]
        let projection: Projection
    }
}
