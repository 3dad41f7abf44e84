import TernEngine

/// TransactWriteItems and TransactGetItems.
extension TableStore {
    /// The most operations one transaction holds.
    public static let maxTransactionItems = 100

    /// Applies up to 100 puts, updates, deletes and condition checks on distinct items, all or
    /// nothing (rule 57).
    ///
    /// Every item's lock stripe is held from the first read to the write, and the writes are one
    /// engine batch: the transaction is atomic and isolated with respect to every other write.
    ///
    /// - Throws: `ValidationException` for a malformed request or two operations on one item (before
    ///   anything is read); `TransactionCanceledException` with one reason per operation, in order
    ///   (`None`, `ConditionalCheckFailed` with the item when asked, or `ValidationError`), when any
    ///   condition fails or an update cannot apply to its item; `ResourceNotFoundException`;
    ///   engine errors.
    /// - Thread safety: atomic with respect to every other write of the items it touches.
    public func transactWriteItems(_ request: TransactWriteItemsRequest, durability: Durability) throws {
        let started = metrics.start()
        defer { metrics.record(.transactWriteItems, since: started) }
        let count = request.transactItems.count
        guard (1...TableStore.maxTransactionItems).contains(count) else {
            throw DynamoError.validation(
                "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length \(count < 1 ? "greater than or equal to 1" : "less than or equal to 100")")
        }
        var writes: [PreparedWrite] = []
        for operation in request.transactItems {
            writes.append(try prepare(operation))
        }
        try TableStore.checkDistinct(writes, message: "Transaction request cannot include multiple operations on one item")
        let now = now()
        try withItemLocks(writes.map { ($0.table, $0.itemKey) }) {
            var reasons: [DynamoError.CancellationReason] = []
            var planned: [(write: PreparedWrite, stored: Item?, new: Item??)] = []
            var failed = false
            for write in writes {
                let stored = try storedItem(write.itemKey)
                do {
                    let visible = try checkCondition(write.condition, stored: stored, table: write.table, now: now, returning: write.returnOnFailure)
                    planned.append((write, stored, try write.newItem(visible: visible)))
                    reasons.append(.none)
                } catch let error as DynamoError {
                    failed = true
                    let code = error.code == .conditionalCheckFailed ? "ConditionalCheckFailed" : "ValidationError"
                    reasons.append(DynamoError.CancellationReason(code: code, message: error.message, item: error.item))
                }
            }
            if failed { throw DynamoError.transactionCanceled(reasons) }
            var batch = WriteBatch()
            for (write, stored, new) in planned {
                guard let new else { continue }
                try appendItemWrite(write.table, stored: stored, new: new, primaryKey: write.primaryKey, to: &batch)
            }
            try commit(batch, durability: durability)
        }
    }

    private func prepare(_ operation: TransactWriteItem) throws -> PreparedWrite {
        let table = try table(operation.tableName)
        switch operation {
        case .put(let put):
            let (condition, _) = try PreparedWrite.parseCondition(
                put.conditionExpression, names: put.expressionAttributeNames, values: put.expressionAttributeValues)
            return try .put(put.item, table: table, condition: condition, returnOnFailure: put.returnValuesOnConditionCheckFailure)
        case .delete(let delete):
            let (condition, _) = try PreparedWrite.parseCondition(
                delete.conditionExpression, names: delete.expressionAttributeNames, values: delete.expressionAttributeValues)
            return try .keyed(
                delete.key, table: table, action: .delete, condition: condition, returnOnFailure: delete.returnValuesOnConditionCheckFailure)
        case .update(let update):
            let (condition, expression) = try PreparedWrite.parseCondition(
                update.conditionExpression, names: update.expressionAttributeNames, values: update.expressionAttributeValues,
                update: update.updateExpression)
            return try .keyed(
                update.key, table: table, action: .update(expression, key: update.key), condition: condition,
                returnOnFailure: update.returnValuesOnConditionCheckFailure)
        case .conditionCheck(let check):
            let (condition, _) = try PreparedWrite.parseCondition(
                check.conditionExpression, names: check.expressionAttributeNames, values: check.expressionAttributeValues)
            return try .keyed(check.key, table: table, action: .check, condition: condition, returnOnFailure: check.returnValuesOnConditionCheckFailure)
        }
    }

    /// Reads up to 100 items at one snapshot (rule 58).
    ///
    /// - Returns: one entry per request, in order; an entry without item for a missing item.
    /// - Throws: `ValidationException` for a malformed request or one item twice;
    ///   `ResourceNotFoundException`; engine errors.
    /// - Thread safety: one engine snapshot; no lock.
    public func transactGetItems(_ request: TransactGetItemsRequest) throws -> TransactGetItemsResponse {
        let started = metrics.start()
        defer { metrics.record(.transactGetItems, since: started) }
        let count = request.transactItems.count
        guard (1...TableStore.maxTransactionItems).contains(count) else {
            throw DynamoError.validation(
                "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length \(count < 1 ? "greater than or equal to 1" : "less than or equal to 100")")
        }
        let now = now()
        var plans: [(key: [UInt8], reader: ItemReader)] = []
        var seen: Set<[UInt8]> = []
        for get in request.transactItems {
            let table = try table(get.tableName)
            let itemKey = table.itemKey(try table.key.primaryKey(ofKey: get.key))
            guard seen.insert(itemKey).inserted else {
                throw DynamoError.validation("Transaction request cannot include multiple operations on one item")
            }
            let reader = try TableStore.projectionReader(get.projectionExpression, names: get.expressionAttributeNames, table: table, now: now)
            plans.append((itemKey, reader))
        }
        let snapshot = store.snapshot()
        return TransactGetItemsResponse(responses: try plans.map { plan in
            ItemResponse(item: try read(plan.key, with: plan.reader, snapshot: snapshot))
        })
    }
}
