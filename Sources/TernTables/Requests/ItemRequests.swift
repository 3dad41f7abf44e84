/// What a failed condition returns in the error: DynamoDB's `ReturnValuesOnConditionCheckFailure`.
public enum ReturnValuesOnConditionCheckFailure: String, Sendable, CaseIterable {
    /// Nothing.
    case none = "NONE"
    /// The item as it was (absent when there was none).
    case allOld = "ALL_OLD"
}

/// PutItem's parameters.
public struct PutItemRequest: Sendable {
    /// The table.
    public var tableName: String
    /// The whole new item, key attributes included.
    public var item: Item
    /// A condition on the stored item; the put happens only if it holds.
    public var conditionExpression: String?
    /// `#name` placeholders of the expressions.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders of the expressions.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// `NONE` or `ALL_OLD` (anything else is a ValidationException).
    public var returnValues: ReturnValue
    /// Whether a ConditionalCheckFailedException carries the stored item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A PutItem request; see the properties.
    public init(
        tableName: String, item: Item, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValues: ReturnValue = .none, returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.item = item
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValues = returnValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// PutItem's result.
public struct PutItemResponse: Sendable, Equatable {
    /// With `ALL_OLD`, the replaced item; nil when there was none or nothing was asked.
    public var attributes: Item?

    /// A PutItem result carrying `attributes` (the old item, with `ALL_OLD`).
    public init(attributes: Item?) { self.attributes = attributes }
}

/// GetItem's parameters.
public struct GetItemRequest: Sendable {
    /// The table.
    public var tableName: String
    /// Exactly the key attributes.
    public var key: Item
    /// The paths to return (all attributes when nil).
    public var projectionExpression: String?
    /// `#name` placeholders of the projection.
    public var expressionAttributeNames: [String: String]?
    /// Accepted: every Tern read is strongly consistent.
    public var consistentRead: Bool

    /// A GetItem request; see the properties.
    public init(
        tableName: String, key: Item, projectionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, consistentRead: Bool = false
    ) {
        self.tableName = tableName
        self.key = key
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.consistentRead = consistentRead
    }
}

/// GetItem's result.
public struct GetItemResponse: Sendable, Equatable {
    /// The item (projected), or nil when there is none (rule 7: no `Item` key at all).
    public var item: Item?

    /// A GetItem result; nil when there is no such item.
    public init(item: Item?) { self.item = item }
}

/// DeleteItem's parameters.
public struct DeleteItemRequest: Sendable {
    /// The table.
    public var tableName: String
    /// Exactly the key attributes.
    public var key: Item
    /// A condition on the stored item; the delete happens only if it holds.
    public var conditionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// `NONE` or `ALL_OLD`.
    public var returnValues: ReturnValue
    /// Whether a ConditionalCheckFailedException carries the stored item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// A DeleteItem request; see the properties.
    public init(
        tableName: String, key: Item, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValues: ReturnValue = .none, returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValues = returnValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// DeleteItem's result.
public struct DeleteItemResponse: Sendable, Equatable {
    /// With `ALL_OLD`, the deleted item; nil when there was none.
    public var attributes: Item?

    /// A DeleteItem result carrying `attributes` (the old item, with `ALL_OLD`).
    public init(attributes: Item?) { self.attributes = attributes }
}

/// UpdateItem's parameters.
public struct UpdateItemRequest: Sendable {
    /// The table.
    public var tableName: String
    /// Exactly the key attributes (the new item's key when it does not exist: an upsert).
    public var key: Item
    /// SET / REMOVE / ADD / DELETE clauses; nil only rewrites the item as it is (or creates it
    /// from the key).
    public var updateExpression: String?
    /// A condition on the stored item; the update happens only if it holds.
    public var conditionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// Any of the five.
    public var returnValues: ReturnValue
    /// Whether a ConditionalCheckFailedException carries the stored item.
    public var returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure

    /// An UpdateItem request; see the properties.
    public init(
        tableName: String, key: Item, updateExpression: String? = nil, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        returnValues: ReturnValue = .none, returnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.updateExpression = updateExpression
        self.conditionExpression = conditionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.returnValues = returnValues
        self.returnValuesOnConditionCheckFailure = returnValuesOnConditionCheckFailure
    }
}

/// UpdateItem's result.
public struct UpdateItemResponse: Sendable, Equatable {
    /// What `returnValues` asked for; nil for NONE or when there is nothing to return.
    public var attributes: Item?

    /// An UpdateItem result carrying what `ReturnValues` asked for.
    public init(attributes: Item?) { self.attributes = attributes }
}
