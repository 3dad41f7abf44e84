import TernEngine

/// Query and Scan.
extension TableStore {
    /// Reads one page of the items of one partition, in sort-key order (rule 36), from the table or
    /// one of its indexes.
    ///
    /// Paging follows DynamoDB exactly (rules 38-45): see `PageReader`. Walking pages by feeding
    /// `lastEvaluatedKey` back as `exclusiveStartKey` yields the unpaginated result, forward or
    /// backward, with no gap or duplicate.
    ///
    /// - Throws: `ResourceNotFoundException`; `ValidationException` for a bad key condition (rule 35),
    ///   a filter on key attributes (rule 37), `Limit` < 1, a bad `Select`/projection combination,
    ///   an unknown index or `ConsistentRead` on a GSI (rule 52), a malformed
    ///   `ExclusiveStartKey`; engine errors.
    /// - Thread safety: reads one engine snapshot; takes no lock.
    public func query(_ request: QueryRequest) throws -> QueryResponse {
        let started = metrics.start()
        defer { metrics.record(.query, since: started) }
        let table = try table(request.tableName)
        let target = try ReadTarget(table: table, indexName: request.indexName, consistentRead: request.consistentRead)
        try TableStore.checkLimit(request.limit)
        var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
        let keyCondition = try KeyCondition(request.keyConditionExpression, schema: target.keySchema, attributes: &attributes)
        let filter = try request.filterExpression.map { (text) throws(DynamoError) in
            try ConditionExpression(text, kind: .filter, attributes: &attributes)
        }
        try filter?.checkNoKeyAttributes(target.keySchema)
        let projection = try request.projectionExpression.map { (text) throws(DynamoError) in
            try ProjectionExpression(text, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        let select = try target.resolveSelect(request.select, hasProjection: projection != nil)
        let range = target.range(of: keyCondition)
        var page = makePage(
            target: target, range: range, forward: request.scanIndexForward, limit: request.limit, select: select,
            projection: projection, filter: filter, segment: nil)
        if let startKey = request.exclusiveStartKey { page.resume(after: try target.position(of: startKey)) }
        return try page.run(store: store, snapshot: store.snapshot())
    }

    /// Reads one page of a whole table or index (only the items the index holds, rule 53), in key
    /// order within each partition (rule 46), optionally one segment of a parallel scan.
    ///
    /// Segments split by a stable hash of the partition key: they are disjoint and their union is
    /// the table, whatever is written between the segment requests. Each segment request reads
    /// the keys of the whole range and skips other segments' entries without decoding them.
    ///
    /// - Throws: as `query`, plus `ValidationException` for inconsistent `Segment`/`TotalSegments`.
    /// - Thread safety: reads one engine snapshot; takes no lock.
    public func scan(_ request: ScanRequest) throws -> ScanResponse {
        let started = metrics.start()
        defer { metrics.record(.scan, since: started) }
        let table = try table(request.tableName)
        let target = try ReadTarget(table: table, indexName: request.indexName, consistentRead: request.consistentRead)
        try TableStore.checkLimit(request.limit)
        let segment = try TableStore.checkSegments(request.segment, request.totalSegments)
        var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
        let filter = try request.filterExpression.map { (text) throws(DynamoError) in
            try ConditionExpression(text, kind: .filter, attributes: &attributes)
        }
        let projection = try request.projectionExpression.map { (text) throws(DynamoError) in
            try ProjectionExpression(text, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        let select = try target.resolveSelect(request.select, hasProjection: projection != nil)
        let upper = KeyLayout.end(of: target.prefix) ?? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        var page = makePage(
            target: target, range: (target.prefix, upper), forward: true, limit: request.limit, select: select,
            projection: projection, filter: filter, segment: segment)
        if let startKey = request.exclusiveStartKey { page.resume(after: try target.position(of: startKey)) }
        return try page.run(store: store, snapshot: store.snapshot())
    }

    private func makePage(
        target: ReadTarget, range: (lower: [UInt8], upper: [UInt8]), forward: Bool, limit: Int?, select: Select,
        projection: ProjectionExpression?, filter: ConditionExpression?, segment: (index: Int, total: Int)?
    ) -> PageReader {
        let now = now()
        let countOnly = select == .count
        let defaultNames = select == .allAttributes ? nil : target.projectedNames
        let reader = ItemReader(
            projection: projection, filter: filter, ttlAttribute: target.table.ttlAttribute, now: now,
            defaultNames: defaultNames, countOnly: countOnly)
        var tableReader: ItemReader?
        if let index = target.index, index.kind == .local, let stored = index.storedNames {
            var needed = projection?.topLevelNames ?? (select == .allAttributes ? nil : index.projectedNames)
            if countOnly { needed = [] }
            needed?.formUnion(filter?.topLevelNames ?? [])
            if needed.map({ !$0.isSubset(of: stored) }) ?? true {
                tableReader = ItemReader(
                    projection: projection, filter: filter, ttlAttribute: target.table.ttlAttribute, now: now,
                    defaultNames: defaultNames, countOnly: countOnly)
            }
        }
        return PageReader(
            target: target, lower: range.lower, upper: range.upper, forward: forward, limit: limit, reader: reader,
            segment: segment, tableReader: tableReader)
    }

    static func checkLimit(_ limit: Int?) throws(DynamoError) {
        if let limit, limit < 1 {
            throw .validation(
                "1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
        }
    }

    static func checkSegments(_ segment: Int?, _ total: Int?) throws(DynamoError) -> (index: Int, total: Int)? {
        switch (segment, total) {
        case (nil, nil):
            return nil
        case (nil, _?):
            throw .validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
        case (_?, nil):
            throw .validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
        case (let segment?, let total?):
            guard (1...1_000_000).contains(total) else {
                throw .validation(
                    "1 validation error detected: Value '\(total)' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and 1000000")
            }
            guard segment >= 0, segment < total else {
                throw .validation(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: \(segment) is not less than TotalSegments: \(total)")
            }
            return (segment, total)
        }
    }
}
