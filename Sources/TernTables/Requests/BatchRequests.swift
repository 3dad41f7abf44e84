/// The keys BatchGetItem reads from one table: DynamoDB's `KeysAndAttributes`.
public struct KeysAndAttributes: Sendable {
    /// The keys, each exactly the table's key attributes.
    public var keys: [Item]
    /// The paths to return.
    public var projectionExpression: String?
    /// `#name` placeholders of the projection.
    public var expressionAttributeNames: [String: String]?
    /// Accepted (every read is consistent).
    public var consistentRead: Bool

    /// Keys to read, with an optional projection.
    public init(
        keys: [Item], projectionExpression: String? = nil, expressionAttributeNames: [String: String]? = nil,
        consistentRead: Bool = false
    ) {
        self.keys = keys
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.consistentRead = consistentRead
    }
}

/// BatchGetItem's parameters.
public struct BatchGetItemRequest: Sendable {
    /// Table name → keys (at most 100 keys in all, no key twice).
    public var requestItems: [String: KeysAndAttributes]
    /// A BatchGetItem request.
    public init(requestItems: [String: KeysAndAttributes]) { self.requestItems = requestItems }
}

/// BatchGetItem's result.
public struct BatchGetItemResponse: Sendable {
    /// Table name → the items found (absent keys are left out), in request order.
    public var responses: [String: [Item]]
    /// Always empty: Tern reads every key.
    public var unprocessedKeys: [String: KeysAndAttributes]

    /// A BatchGetItem result.
    public init(responses: [String: [Item]], unprocessedKeys: [String: KeysAndAttributes] = [:]) {
        self.responses = responses
        self.unprocessedKeys = unprocessedKeys
    }
}

/// One request of BatchWriteItem: DynamoDB's `WriteRequest`.
public enum WriteRequest: Sendable {
    /// `PutRequest`: store the whole item.
    case put(item: Item)
    /// `DeleteRequest`: delete the item with this key.
    case delete(key: Item)
}

/// BatchWriteItem's parameters.
public struct BatchWriteItemRequest: Sendable {
    /// Table name → writes (at most 25 in all, no item twice).
    public var requestItems: [String: [WriteRequest]]
    /// A BatchWriteItem request.
    public init(requestItems: [String: [WriteRequest]]) { self.requestItems = requestItems }
}

/// BatchWriteItem's result.
public struct BatchWriteItemResponse: Sendable {
    /// Always empty: Tern applies every request (in one atomic engine batch).
    public var unprocessedItems: [String: [WriteRequest]]

    /// A BatchWriteItem result.
    public init(unprocessedItems: [String: [WriteRequest]] = [:]) { self.unprocessedItems = unprocessedItems }
}

/// One operation of TransactWriteItems: DynamoDB's `TransactWriteItem`.
public enum TransactWriteItem: Sendable {
    /// `ConditionCheck`: the condition must hold; nothing is written.
    case conditionCheck(ConditionCheck)
    /// `Put`.
    case put(TransactPut)
    /// `Delete`.
    case delete(TransactDelete)
    /// `Update`.
    case update(TransactUpdate)

    var tableName: String {
        switch self {
        case .conditionCheck(let check): check.tableName
        case .put(let put): put.tableName
        case .delete(let delete): delete.tableName
        case .update(let update): update.tableName
        }
    }
}

/// A transaction's condition check on one item.
public struct ConditionCheck: Sendable {
    /// The table.
    public var tableName: String
    /// The item's key.
    public var key: Item
    /// Must hold for the transaction to commit.
    public var conditionExpression: String
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// Whether the cancellation reason carries the item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A condition check; see the properties.
    public init(
        tableName: String, key: Item, conditionExpression: String, expressionAttributeNames: [String: String]? = nil,
        expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// A transaction's put.
public struct TransactPut: Sendable {
    /// The table.
    public var tableName: String
    /// The whole item.
    public var item: Item
    /// An optional condition.
    public var conditionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// Whether the cancellation reason carries the item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A transactional put; see the properties.
    public init(
        tableName: String, item: Item, conditionExpression: String? = nil, expressionAttributeNames: [String: String]? = nil,
        expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.item = item
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// A transaction's delete.
public struct TransactDelete: Sendable {
    /// The table.
    public var tableName: String
    /// The item's key.
    public var key: Item
    /// An optional condition.
    public var conditionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// Whether the cancellation reason carries the item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A transactional delete; see the properties.
    public init(
        tableName: String, key: Item, conditionExpression: String? = nil, expressionAttributeNames: [String: String]? = nil,
        expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// A transaction's update.
public struct TransactUpdate: Sendable {
    /// The table.
    public var tableName: String
    /// The item's key (an upsert when absent).
    public var key: Item
    /// The update.
    public var updateExpression: String
    /// An optional condition.
    public var conditionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// Whether the cancellation reason carries the item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A transactional update; see the properties.
    public init(
        tableName: String, key: Item, updateExpression: String, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.updateExpression = updateExpression
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// TransactWriteItems' parameters.
public struct TransactWriteItemsRequest: Sendable {
    /// 1...100 operations on distinct items, applied all or none.
    public var transactItems: [TransactWriteItem]
    /// A transaction of `transactItems`.
    public init(transactItems: [TransactWriteItem]) { self.transactItems = transactItems }
}

/// One read of TransactGetItems: DynamoDB's `Get`.
public struct TransactGet: Sendable {
    /// The table.
    public var tableName: String
    /// The item's key.
    public var key: Item
    /// The paths to return.
    public var projectionExpression: String?
    /// `#name` placeholders of the projection.
    public var expressionAttributeNames: [String: String]?

    /// A transactional read; see the properties.
    public init(tableName: String, key: Item, projectionExpression: String? = nil, expressionAttributeNames: [String: String]? = nil) {
        self.tableName = tableName
        self.key = key
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
    }
}

/// TransactGetItems' parameters.
public struct TransactGetItemsRequest: Sendable {
    /// 1...100 reads, answered at one snapshot.
    public var transactItems: [TransactGet]
    /// A transactional read of `transactItems`.
    public init(transactItems: [TransactGet]) { self.transactItems = transactItems }
}

/// TransactGetItems' result.
public struct TransactGetItemsResponse: Sendable {
    /// One entry per request, in order; `item` is nil for a missing item.
    public var responses: [ItemResponse]

    /// A TransactGetItems result, one entry per request.
    public init(responses: [ItemResponse]) { self.responses = responses }
}

/// One entry of TransactGetItems' `Responses`.
public struct ItemResponse: Sendable, Equatable {
    /// The item (projected), or nil when there is none.
    public var item: Item?

    /// One entry of TransactGetItems' result.
    public init(item: Item?) { self.item = item }
}
