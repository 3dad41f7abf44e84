import TernEngine

/// BatchGetItem and BatchWriteItem.
extension TableStore {
    /// The most keys one BatchGetItem reads.
    public static let maxBatchGetKeys = 100
    /// The most requests one BatchWriteItem holds.
    public static let maxBatchWriteRequests = 25

    /// Reads up to 100 items from one or more tables at one snapshot (rule 56).
    ///
    /// - Returns: per table, the items found in request order (absent keys left out);
    ///   `unprocessedKeys` is always empty.
    /// - Throws: `ValidationException` for no keys, more than 100, a key twice, a key not matching
    ///   its schema, a bad projection; `ResourceNotFoundException`; engine errors.
    /// - Thread safety: one engine snapshot; no lock.
    public func batchGetItem(_ request: BatchGetItemRequest) throws -> BatchGetItemResponse {
        let started = metrics.start()
        defer { metrics.record(.batchGetItem, since: started) }
        let total = request.requestItems.values.reduce(0) { $0 + $1.keys.count }
        guard total >= 1 else {
            throw DynamoError.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
        }
        guard total <= TableStore.maxBatchGetKeys else {
            throw DynamoError.validation("Too many items requested for the BatchGetItem call")
        }
        let now = now()
        var plans: [(name: String, reader: ItemReader, itemKeys: [[UInt8]])] = []
        for name in ByteOrder.sortedStrings(Array(request.requestItems.keys)) {
            let entry = request.requestItems[name]!
            let table = try table(name)
            let reader = try TableStore.projectionReader(
                entry.projectionExpression, names: entry.expressionAttributeNames, table: table, now: now)
            var seen: Set<[UInt8]> = []
            var itemKeys: [[UInt8]] = []
            for key in entry.keys {
                let itemKey = table.itemKey(try table.key.primaryKey(ofKey: key))
                guard seen.insert(itemKey).inserted else { throw DynamoError.validation("Provided list of item keys contains duplicates") }
                itemKeys.append(itemKey)
            }
            plans.append((name, reader, itemKeys))
        }
        let snapshot = store.snapshot()
        var responses: [String: [Item]] = [:]
        for plan in plans {
            responses[plan.name] = try plan.itemKeys.compactMap { try read($0, with: plan.reader, snapshot: snapshot) }
        }
        return BatchGetItemResponse(responses: responses, unprocessedKeys: [:])
    }

    /// Applies up to 25 puts and deletes across tables as one atomic engine batch (rule 55).
    ///
    /// Everything is validated before anything is written: one bad request (or a duplicate key,
    /// or a missing table) fails the call and writes nothing. Tern is stronger than DynamoDB here:
    /// the writes are atomic as a group. `unprocessedItems` is always empty.
    ///
    /// - Throws: `ValidationException`, `ResourceNotFoundException`; engine errors.
    /// - Thread safety: holds the lock stripes of every item it writes, in ascending order.
    @discardableResult
    public func batchWriteItem(_ request: BatchWriteItemRequest, durability: Durability) throws -> BatchWriteItemResponse {
        let started = metrics.start()
        defer { metrics.record(.batchWriteItem, since: started) }
        let total = request.requestItems.values.reduce(0) { $0 + $1.count }
        guard total >= 1 else {
            throw DynamoError.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
        }
        guard total <= TableStore.maxBatchWriteRequests else {
            throw DynamoError.validation(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
        }
        var writes: [PreparedWrite] = []
        for name in ByteOrder.sortedStrings(Array(request.requestItems.keys)) {
            let table = try table(name)
            for write in request.requestItems[name]! {
                switch write {
                case .put(let item): writes.append(try .put(item, table: table))
                case .delete(let key): writes.append(try .keyed(key, table: table, action: .delete, condition: nil, returnOnFailure: .none))
                }
            }
        }
        try TableStore.checkDistinct(writes, message: "Provided list of item keys contains duplicates")
        try withItemLocks(writes.map { ($0.table, $0.itemKey) }) {
            var batch = WriteBatch()
            for write in writes {
                let stored = try storedItem(write.itemKey)
                guard let new = try write.newItem(visible: nil) else { continue }
                try appendItemWrite(write.table, stored: stored, new: new, primaryKey: write.primaryKey, to: &batch)
            }
            try commit(batch, durability: durability)
        }
        return BatchWriteItemResponse(unprocessedItems: [:])
    }

    /// Rejects two writes of one item.
    static func checkDistinct(_ writes: [PreparedWrite], message: String) throws(DynamoError) {
        var seen: Set<[UInt8]> = []
        for write in writes {
            var identity = Array(write.table.name.utf8)
            identity.append(0)
            identity.append(contentsOf: write.itemKey)
            guard seen.insert(identity).inserted else { throw .validation(message) }
        }
    }
}
