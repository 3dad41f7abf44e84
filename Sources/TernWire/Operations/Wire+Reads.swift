import TernTables

// Query and Scan: requests and responses in DynamoDB JSON.

extension QueryRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.query)
        guard let keyCondition = try object.string("KeyConditionExpression") else {
            throw WireError.validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
        }
        self.init(
            tableName: try object.requiredString("TableName"), indexName: try object.string("IndexName"),
            keyConditionExpression: keyCondition, filterExpression: try object.string("FilterExpression"),
            projectionExpression: try object.string("ProjectionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            limit: try object.int("Limit"), exclusiveStartKey: try object.item("ExclusiveStartKey"),
            scanIndexForward: try object.bool("ScanIndexForward") ?? true, select: try object.enumeration("Select", Select.self),
            consistentRead: try object.bool("ConsistentRead") ?? false)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("IndexName", indexName)
        writer.member("KeyConditionExpression", keyConditionExpression)
        writer.member("FilterExpression", filterExpression)
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        writer.member("Limit", limit)
        writer.member("ExclusiveStartKey", item: exclusiveStartKey)
        if !scanIndexForward { writer.member("ScanIndexForward", false) }
        writer.member("Select", select?.rawValue)
        if consistentRead { writer.member("ConsistentRead", true) }
        writer.endObject()
    }
}

extension ScanRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.scan)
        self.init(
            tableName: try object.requiredString("TableName"), indexName: try object.string("IndexName"),
            filterExpression: try object.string("FilterExpression"),
            projectionExpression: try object.string("ProjectionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            limit: try object.int("Limit"), exclusiveStartKey: try object.item("ExclusiveStartKey"),
            select: try object.enumeration("Select", Select.self), segment: try object.int("Segment"),
            totalSegments: try object.int("TotalSegments"), consistentRead: try object.bool("ConsistentRead") ?? false)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("IndexName", indexName)
        writer.member("FilterExpression", filterExpression)
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        writer.member("Limit", limit)
        writer.member("ExclusiveStartKey", item: exclusiveStartKey)
        writer.member("Select", select?.rawValue)
        writer.member("Segment", segment)
        writer.member("TotalSegments", totalSegments)
        if consistentRead { writer.member("ConsistentRead", true) }
        writer.endObject()
    }
}

/// Query's and Scan's response (`ScanResponse` is the same type).
extension QueryResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let items = try object.array("Items") { (json, path) throws(WireError) in try WireItem.item(json, at: path) } ?? []
        self.init(
            items: items, count: try object.int("Count") ?? items.count, scannedCount: try object.int("ScannedCount") ?? items.count,
            lastEvaluatedKey: try object.item("LastEvaluatedKey"))
    }

    /// Writes the page; `Items` is left out only where it must be: for `Select=COUNT` (which
    /// answers counts only) or when `count` says items were returned but none are held.
    public func encode(to writer: inout JSONWriter) {
        encode(to: &writer, includeItems: !(items.isEmpty && count > 0))
    }

    /// Writes the page, with `Items` (always, even empty) or without (`Select=COUNT`).
    public func encode(to writer: inout JSONWriter, includeItems: Bool) {
        writer.beginObject()
        if includeItems {
            writer.key("Items")
            writer.beginArray()
            for item in items { writer.item(item) }
            writer.endArray()
        }
        writer.member("Count", count)
        writer.member("ScannedCount", scannedCount)
        writer.member("LastEvaluatedKey", item: lastEvaluatedKey)
        writer.endObject()
    }
}
