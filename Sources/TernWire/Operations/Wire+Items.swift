import TernTables

// PutItem, GetItem, UpdateItem, DeleteItem: requests and responses in DynamoDB JSON.

extension WireObject {
    /// Refuses DynamoDB's legacy parameters (`Expected`, `AttributesToGet`, `KeyConditions`,
    /// ...): ignoring them would silently drop a condition or a filter, so a request carrying one
    /// is a ValidationException that names the expression parameter to use instead.
    func refuseLegacy(_ names: [(legacy: String, modern: String)]) throws(WireError) {
        for (legacy, modern) in names where self[legacy] != nil {
            throw WireError.validation("\(legacy) is a legacy parameter this node does not support; use \(modern)")
        }
    }

    func returnValues() throws(WireError) -> ReturnValue {
        try enumeration("ReturnValues", ReturnValue.self) ?? .none
    }

    func returnValuesOnConditionCheckFailure() throws(WireError) -> ReturnValuesOnConditionCheckFailure {
        try enumeration("ReturnValuesOnConditionCheckFailure", ReturnValuesOnConditionCheckFailure.self) ?? .none
    }
}

/// DynamoDB's legacy parameters and the expression parameter that replaces each.
enum LegacyParameters {
    static let conditions = [("Expected", "ConditionExpression"), ("ConditionalOperator", "ConditionExpression")]
    static let projection = [("AttributesToGet", "ProjectionExpression")]
    static let update = conditions + [("AttributeUpdates", "UpdateExpression")]
    static let query = [
        ("KeyConditions", "KeyConditionExpression"), ("QueryFilter", "FilterExpression"),
        ("AttributesToGet", "ProjectionExpression"), ("ConditionalOperator", "FilterExpression"),
    ]
    static let scan = [
        ("ScanFilter", "FilterExpression"), ("AttributesToGet", "ProjectionExpression"), ("ConditionalOperator", "FilterExpression"),
    ]
}

extension PutItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.conditions)
        self.init(
            tableName: try object.requiredString("TableName"), item: try object.requiredItem("Item"),
            conditionExpression: try object.string("ConditionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            returnValues: try object.returnValues(),
            returnValuesOnConditionCheckFailure: try object.returnValuesOnConditionCheckFailure())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("Item", item: item)
        writer.member("ConditionExpression", conditionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        if returnValues != .none { writer.member("ReturnValues", returnValues.rawValue) }
        if returnValuesOnConditionCheckFailure != .none {
            writer.member("ReturnValuesOnConditionCheckFailure", returnValuesOnConditionCheckFailure.rawValue)
        }
        writer.endObject()
    }
}

extension PutItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(attributes: try object.item("Attributes"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("Attributes", item: attributes)
        writer.endObject()
    }
}

extension GetItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.projection)
        self.init(
            tableName: try object.requiredString("TableName"), key: try object.requiredItem("Key"),
            projectionExpression: try object.string("ProjectionExpression"),
            expressionAttributeNames: try object.names(), consistentRead: try object.bool("ConsistentRead") ?? false)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("Key", item: key)
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        if consistentRead { writer.member("ConsistentRead", true) }
        writer.endObject()
    }
}

extension GetItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(item: try object.item("Item"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("Item", item: item)
        writer.endObject()
    }
}

extension UpdateItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.update)
        self.init(
            tableName: try object.requiredString("TableName"), key: try object.requiredItem("Key"),
            updateExpression: try object.string("UpdateExpression"),
            conditionExpression: try object.string("ConditionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            returnValues: try object.returnValues(),
            returnValuesOnConditionCheckFailure: try object.returnValuesOnConditionCheckFailure())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("Key", item: key)
        writer.member("UpdateExpression", updateExpression)
        writer.member("ConditionExpression", conditionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        if returnValues != .none { writer.member("ReturnValues", returnValues.rawValue) }
        if returnValuesOnConditionCheckFailure != .none {
            writer.member("ReturnValuesOnConditionCheckFailure", returnValuesOnConditionCheckFailure.rawValue)
        }
        writer.endObject()
    }
}

extension UpdateItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(attributes: try object.item("Attributes"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("Attributes", item: attributes)
        writer.endObject()
    }
}

extension DeleteItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.conditions)
        self.init(
            tableName: try object.requiredString("TableName"), key: try object.requiredItem("Key"),
            conditionExpression: try object.string("ConditionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            returnValues: try object.returnValues(),
            returnValuesOnConditionCheckFailure: try object.returnValuesOnConditionCheckFailure())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("Key", item: key)
        writer.member("ConditionExpression", conditionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        if returnValues != .none { writer.member("ReturnValues", returnValues.rawValue) }
        if returnValuesOnConditionCheckFailure != .none {
            writer.member("ReturnValuesOnConditionCheckFailure", returnValuesOnConditionCheckFailure.rawValue)
        }
        writer.endObject()
    }
}

extension DeleteItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(attributes: try object.item("Attributes"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("Attributes", item: attributes)
        writer.endObject()
    }
}
