/// One item write of a BatchWriteItem or TransactWriteItems, validated and parsed before any lock
/// is taken: the item's table, key and engine key, what to do, and the condition to check.
struct PreparedWrite {
    enum Action {
        /// Store this (prepared) item.
        case put(Item)
        /// Delete the item.
        case delete
        /// Apply the update (nil: rewrite as is) to the item, or to `key` when absent.
        case update(UpdateExpression?, key: Item)
        /// Check the condition only.
        case check
    }

    let table: TableSchema
    let primaryKey: PrimaryKey
    let itemKey: [UInt8]
    let action: Action
    let condition: ConditionExpression?
    let returnOnFailure: ReturnValuesOnConditionCheckFailure

    /// A put of `item`, validated and completed (rule 49, geohash cell) for storage.
    static func put(
        _ item: Item, table: TableSchema, condition: ConditionExpression? = nil,
        returnOnFailure: ReturnValuesOnConditionCheckFailure = .none
    ) throws(DynamoError) -> PreparedWrite {
        var prepared = item
        let primaryKey = try table.prepareForWrite(&prepared)
        return PreparedWrite(
            table: table, primaryKey: primaryKey, itemKey: table.itemKey(primaryKey), action: .put(prepared),
            condition: condition, returnOnFailure: returnOnFailure)
    }

    /// A delete, update or check of the item with `key`.
    static func keyed(
        _ key: Item, table: TableSchema, action: Action, condition: ConditionExpression?,
        returnOnFailure: ReturnValuesOnConditionCheckFailure
    ) throws(DynamoError) -> PreparedWrite {
        let primaryKey = try table.key.primaryKey(ofKey: key)
        return PreparedWrite(
            table: table, primaryKey: primaryKey, itemKey: table.itemKey(primaryKey), action: action, condition: condition,
            returnOnFailure: returnOnFailure)
    }

    /// The item after this write, given the visible stored item; `.some(nil)` deletes, `nil`
    /// writes nothing (a condition check).
    ///
    /// - Throws: `ValidationException` from the update (wrong operand types, size limit, ...).
    func newItem(visible: Item?) throws(DynamoError) -> Item?? {
        switch action {
        case .put(let item): return .some(item)
        case .delete: return .some(nil)
        case .update(let update, let key): return .some(try TableStore.applyUpdate(update, to: visible, key: key, table: table).item)
        case .check: return nil
        }
    }

    /// Parses a request's condition with its placeholders, checking that all are used.
    static func parseCondition(
        _ text: String?, names: [String: String]?, values: [String: AttributeValue]?,
        update updateText: String? = nil
    ) throws(DynamoError) -> (ConditionExpression?, UpdateExpression?) {
        var attributes = try ExpressionAttributes(names: names, values: values)
        let update = try updateText.map { (text) throws(DynamoError) in try UpdateExpression(text, attributes: &attributes) }
        let condition = try text.map { (text) throws(DynamoError) in try ConditionExpression(text, kind: .condition, attributes: &attributes) }
        try attributes.checkAllUsed()
        return (condition, update)
    }
}
