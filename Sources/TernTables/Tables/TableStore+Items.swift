import TernEngine

/// PutItem, GetItem, DeleteItem, UpdateItem.
extension TableStore {
    /// Stores a whole item, replacing any item with its key (rule 8).
    ///
    /// - Throws: `ResourceNotFoundException`; `ValidationException` for a bad item, key, index key,
    ///   expression or `ReturnValues` other than NONE/ALL_OLD; `ConditionalCheckFailedException`
    ///   (nothing written; carries the old item with `ReturnValuesOnConditionCheckFailure=ALL_OLD`);
    ///   engine errors.
    /// - Thread safety: atomic with respect to every other write of the same item.
    @discardableResult
    public func putItem(_ request: PutItemRequest, durability: Durability) throws -> PutItemResponse {
        let started = metrics.start()
        defer { metrics.record(.putItem, since: started) }
        try TableStore.checkReturnValues(request.returnValues)
        let table = try table(request.tableName)
        var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
        let condition = try request.conditionExpression.map { (text) throws(DynamoError) in
            try ConditionExpression(text, kind: .condition, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        var item = request.item
        let primaryKey = try table.prepareForWrite(&item)
        let itemKey = table.itemKey(primaryKey)
        let now = now()
        let old = try withItemLocks([(table, itemKey)]) {
            let stored = try storedItem(itemKey)
            let visible = try checkCondition(condition, stored: stored, table: table, now: now, returning: request.returnValuesOnConditionCheckFailure)
            var batch = WriteBatch()
            try appendItemWrite(table, stored: stored, new: item, primaryKey: primaryKey, to: &batch)
            try commit(batch, durability: durability)
            return visible
        }
        return PutItemResponse(attributes: request.returnValues == .allOld ? old : nil)
    }

    /// Reads one item.
    ///
    /// - Returns: the item, projected; `item` is nil when there is none (or it has expired).
    /// - Throws: `ResourceNotFoundException`; `ValidationException` for a key that does not match
    ///   the schema (rule 10) or a bad projection; engine errors.
    /// - Thread safety: reads the latest committed state; takes no lock.
    public func getItem(_ request: GetItemRequest) throws -> GetItemResponse {
        let started = metrics.start()
        defer { metrics.record(.getItem, since: started) }
        let table = try table(request.tableName)
        let primaryKey = try table.key.primaryKey(ofKey: request.key)
        let reader = try readerCache.reader(
            ReaderCache.Key(
                projectionText: request.projectionExpression, names: request.expressionAttributeNames,
                ttlAttribute: table.ttlAttribute, defaultNames: nil, countOnly: false, extraNames: []),
            now: now())
        return GetItemResponse(item: try read(table.itemKey(primaryKey), with: reader, snapshot: nil))
    }

    /// Deletes one item; deleting an absent item succeeds (rule 9).
    ///
    /// - Throws: as `putItem`.
    /// - Thread safety: atomic with respect to every other write of the same item.
    @discardableResult
    public func deleteItem(_ request: DeleteItemRequest, durability: Durability) throws -> DeleteItemResponse {
        let started = metrics.start()
        defer { metrics.record(.deleteItem, since: started) }
        try TableStore.checkReturnValues(request.returnValues)
        let table = try table(request.tableName)
        var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
        let condition = try request.conditionExpression.map { (text) throws(DynamoError) in
            try ConditionExpression(text, kind: .condition, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        let primaryKey = try table.key.primaryKey(ofKey: request.key)
        let itemKey = table.itemKey(primaryKey)
        let now = now()
        let old = try withItemLocks([(table, itemKey)]) {
            let stored = try storedItem(itemKey)
            let visible = try checkCondition(condition, stored: stored, table: table, now: now, returning: request.returnValuesOnConditionCheckFailure)
            var batch = WriteBatch()
            try appendItemWrite(table, stored: stored, new: nil, primaryKey: primaryKey, to: &batch)
            try commit(batch, durability: durability)
            return visible
        }
        return DeleteItemResponse(attributes: request.returnValues == .allOld ? old : nil)
    }

    /// Updates an item, creating it from the key when absent (an upsert, rule 18) unless the
    /// condition fails.
    ///
    /// - Returns: the attributes `ReturnValues` asks for (any of the five).
    /// - Throws: as `putItem`, plus the update's own `ValidationException`s (rules 19-23, 13).
    /// - Thread safety: atomic with respect to every other write of the same item.
    @discardableResult
    public func updateItem(_ request: UpdateItemRequest, durability: Durability) throws -> UpdateItemResponse {
        let started = metrics.start()
        defer { metrics.record(.updateItem, since: started) }
        let table = try table(request.tableName)
        var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
        let update = try request.updateExpression.map { (text) throws(DynamoError) in try UpdateExpression(text, attributes: &attributes) }
        let condition = try request.conditionExpression.map { (text) throws(DynamoError) in
            try ConditionExpression(text, kind: .condition, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        let primaryKey = try table.key.primaryKey(ofKey: request.key)
        let itemKey = table.itemKey(primaryKey)
        let now = now()
        let (old, result) = try withItemLocks([(table, itemKey)]) {
            let stored = try storedItem(itemKey)
            let visible = try checkCondition(condition, stored: stored, table: table, now: now, returning: request.returnValuesOnConditionCheckFailure)
            let result = try TableStore.applyUpdate(update, to: visible, key: request.key, table: table)
            var batch = WriteBatch()
            try appendItemWrite(table, stored: stored, new: result.item, primaryKey: primaryKey, to: &batch)
            try commit(batch, durability: durability)
            return (visible, result)
        }
        return UpdateItemResponse(attributes: result.attributes(for: request.returnValues, oldItem: old))
    }

    // MARK: - Shared steps

    /// PutItem and DeleteItem accept only NONE and ALL_OLD (rule 8).
    static func checkReturnValues(_ value: ReturnValue) throws(DynamoError) {
        guard value == .none || value == .allOld else {
            throw .validation("ReturnValues can only be ALL_OLD or NONE")
        }
    }

    /// The stored item as requests see it (nil when absent or expired), after checking the
    /// condition against it.
    ///
    /// - Throws: `ConditionalCheckFailedException`, with the visible item when asked.
    func checkCondition(
        _ condition: ConditionExpression?, stored: Item?, table: TableSchema, now: Number,
        returning: ReturnValuesOnConditionCheckFailure
    ) throws(DynamoError) -> Item? {
        let visible = stored.flatMap { table.isExpired($0, now: now) ? nil : $0 }
        if let condition, !condition.evaluate(visible ?? [:]) {
            throw .conditionalCheckFailed(item: returning == .allOld ? visible : nil)
        }
        return visible
    }

    /// The new item of an update (validated and completed for storage) and the updated paths.
    static func applyUpdate(_ update: UpdateExpression?, to visible: Item?, key: Item, table: TableSchema) throws(DynamoError) -> UpdateResult {
        let result = try update.map { (update) throws(DynamoError) in try update.apply(to: visible, key: key, keySchema: table.key) }
            ?? UpdateResult(item: visible ?? key, updatedPaths: [])
        var item = result.item
        _ = try table.prepareForWrite(&item)
        return UpdateResult(item: item, updatedPaths: result.updatedPaths)
    }

    /// A reader returning the projection (or everything) of base-table items.
    static func projectionReader(
        _ projectionText: String?, names: [String: String]?, table: TableSchema, now: Number
    ) throws(DynamoError) -> ItemReader {
        var attributes = try ExpressionAttributes(names: names)
        let projection = try projectionText.map { (text) throws(DynamoError) in try ProjectionExpression(text, attributes: &attributes) }
        try attributes.checkAllUsed()
        return ItemReader(
            projection: projection, filter: nil, ttlAttribute: table.ttlAttribute, now: now, defaultNames: nil, countOnly: false)
    }

    /// The visible, projected item under `itemKey`, or nil.
    func read(_ itemKey: [UInt8], with reader: ItemReader, snapshot: ReadSnapshot?) throws -> Item? {
        guard let bytes = try store.get(itemKey, snapshot: snapshot) else { return nil }
        let outcome = try bytes.withUnsafeBufferPointer { try reader.read($0) }
        if case .item(let item) = outcome { return item }
        return nil
    }
}
