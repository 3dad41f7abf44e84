import TernTables

// TransactWriteItems and TransactGetItems in DynamoDB JSON.

extension TransactWriteItem: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        var found: [TransactWriteItem] = []
        if let check = try object.object("ConditionCheck") {
            found.append(.conditionCheck(ConditionCheck(
                tableName: try check.requiredString("TableName"), key: try check.requiredItem("Key"),
                conditionExpression: try check.requiredString("ConditionExpression"),
                expressionAttributeNames: try check.names(), expressionAttributeValues: try check.values(),
                returnValuesOnConditionCheckFailure: try check.returnValuesOnConditionCheckFailure())))
        }
        if let put = try object.object("Put") {
            found.append(.put(TransactPut(
                tableName: try put.requiredString("TableName"), item: try put.requiredItem("Item"),
                conditionExpression: try put.string("ConditionExpression"),
                expressionAttributeNames: try put.names(), expressionAttributeValues: try put.values(),
                returnValuesOnConditionCheckFailure: try put.returnValuesOnConditionCheckFailure())))
        }
        if let delete = try object.object("Delete") {
            found.append(.delete(TransactDelete(
                tableName: try delete.requiredString("TableName"), key: try delete.requiredItem("Key"),
                conditionExpression: try delete.string("ConditionExpression"),
                expressionAttributeNames: try delete.names(), expressionAttributeValues: try delete.values(),
                returnValuesOnConditionCheckFailure: try delete.returnValuesOnConditionCheckFailure())))
        }
        if let update = try object.object("Update") {
            found.append(.update(TransactUpdate(
                tableName: try update.requiredString("TableName"), key: try update.requiredItem("Key"),
                updateExpression: try update.requiredString("UpdateExpression"),
                conditionExpression: try update.string("ConditionExpression"),
                expressionAttributeNames: try update.names(), expressionAttributeValues: try update.values(),
                returnValuesOnConditionCheckFailure: try update.returnValuesOnConditionCheckFailure())))
        }
        guard found.count == 1, let item = found.first else {
            throw WireError.validation(
                "TransactItems can only contain one of Check, Put, Update or Delete (at '\(object.path)')")
        }
        self = item
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .conditionCheck(let check):
            writer.key("ConditionCheck")
            writer.operation(
                table: check.tableName, key: check.key, condition: check.conditionExpression,
                names: check.expressionAttributeNames, values: check.expressionAttributeValues,
                onFailure: check.returnValuesOnConditionCheckFailure)
        case .put(let put):
            writer.key("Put")
            writer.operation(
                table: put.tableName, item: put.item, condition: put.conditionExpression,
                names: put.expressionAttributeNames, values: put.expressionAttributeValues,
                onFailure: put.returnValuesOnConditionCheckFailure)
        case .delete(let delete):
            writer.key("Delete")
            writer.operation(
                table: delete.tableName, key: delete.key, condition: delete.conditionExpression,
                names: delete.expressionAttributeNames, values: delete.expressionAttributeValues,
                onFailure: delete.returnValuesOnConditionCheckFailure)
        case .update(let update):
            writer.key("Update")
            writer.operation(
                table: update.tableName, key: update.key, update: update.updateExpression,
                condition: update.conditionExpression, names: update.expressionAttributeNames,
                values: update.expressionAttributeValues, onFailure: update.returnValuesOnConditionCheckFailure)
        }
        writer.endObject()
    }
}

extension JSONWriter {
    fileprivate mutating func operation(
        table: String, key: Item? = nil, item: Item? = nil, update: String? = nil, condition: String?,
        names: [String: String]?, values: [String: AttributeValue]?, onFailure: ReturnValuesOnConditionCheckFailure
    ) {
        beginObject()
        member("TableName", table)
        member("Key", item: key)
        member("Item", item: item)
        member("UpdateExpression", update)
        member("ConditionExpression", condition)
        member("ExpressionAttributeNames", names: names)
        member("ExpressionAttributeValues", values: values)
        if onFailure != .none { member("ReturnValuesOnConditionCheckFailure", onFailure.rawValue) }
        endObject()
    }
}

extension TransactWriteItemsRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let items = try object.array("TransactItems") { (json, path) throws(WireError) in
            try TransactWriteItem(wire: WireObject(json, at: path))
        }
        guard let items else { throw WireError.missing("transactItems") }
        self.init(transactItems: items)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TransactItems")
        writer.beginArray()
        for item in transactItems { item.encode(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

/// TransactWriteItems' response: DynamoDB answers `{}` (consumed capacity and item collection
/// metrics aside, which Tern does not report).
public struct TransactWriteItemsResponse: Sendable, Equatable, WireCodable {
    public init() {}

    public init(wire object: WireObject) throws(WireError) {}

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.endObject()
    }
}

extension TransactGet: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let get = try object.object("Get") else { throw WireError.missing(object.memberPath("Get")) }
        self.init(
            tableName: try get.requiredString("TableName"), key: try get.requiredItem("Key"),
            projectionExpression: try get.string("ProjectionExpression"), expressionAttributeNames: try get.names())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Get")
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("Key", item: key)
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.endObject()
        writer.endObject()
    }
}

extension TransactGetItemsRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let items = try object.array("TransactItems") { (json, path) throws(WireError) in
            try TransactGet(wire: WireObject(json, at: path))
        }
        guard let items else { throw WireError.missing("transactItems") }
        self.init(transactItems: items)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TransactItems")
        writer.beginArray()
        for item in transactItems { item.encode(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

extension TransactGetItemsResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let responses = try object.array("Responses") { (json, path) throws(WireError) in
            ItemResponse(item: try WireObject(json, at: path).item("Item"))
        }
        self.init(responses: responses ?? [])
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Responses")
        writer.beginArray()
        for response in responses {
            writer.beginObject()
            writer.member("Item", item: response.item)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}
