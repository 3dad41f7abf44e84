/// What a Query or Scan reads: a table's items or one of its indexes, with the key layout to
/// turn engine keys into `LastEvaluatedKey`s and `ExclusiveStartKey`s into engine positions.
struct ReadTarget: Sendable {
    let table: TableSchema
    let index: IndexSchema?

    /// Resolves `indexName` on `table`.
    ///
    /// - Throws: `ValidationException` for an unknown index, or `ConsistentRead` on a global index
    ///   (rule 52).
    init(table: TableSchema, indexName: String?, consistentRead: Bool) throws(DynamoError) {
        self.table = table
        guard let indexName else {
            index = nil
            return
        }
        guard let index = table.index(named: indexName) else {
            throw .validation("The table does not have the specified index: \(indexName)")
        }
        if consistentRead, index.kind != .local {
            throw .validation("Consistent reads are not supported on global secondary indexes")
        }
        self.index = index
    }

    /// `[table id][index id]` of what is read.
    var prefix: [UInt8] { index?.prefix ?? table.basePrefix }

    /// The key the read is ordered by (the index's on an index).
    var keySchema: KeySchema { index?.key ?? table.key }

    /// The attributes returned by default: an index's projection (nil: whole items).
    var projectedNames: Set<String>? { index?.projectedNames }

    /// Checks `Select` against the projection and the target, and returns the effective choice.
    func resolveSelect(_ select: Select?, hasProjection: Bool) throws(DynamoError) -> Select {
        let resolved = select ?? (hasProjection ? .specificAttributes : (index == nil ? .allAttributes : .allProjectedAttributes))
        if hasProjection, resolved != .specificAttributes {
            throw .validation("Cannot specify the ProjectionExpression when choosing to get \(resolved.rawValue)")
        }
        switch resolved {
        case .specificAttributes where !hasProjection:
            throw .validation("Must specify the ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
        case .allProjectedAttributes where index == nil:
            throw .validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
        case .allAttributes:
            if let index, index.kind != .local, index.projectionType != .all {
                throw .validation(
                    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index \(index.name) because its projection type is not ALL")
            }
        default:
            break
        }
        return resolved
    }

    /// The table key of an engine key of this target (an item key, or an index entry key).
    func primaryKey(ofEngineKey key: [UInt8]) throws -> PrimaryKey {
        var offset = prefix.count
        if let index {
            _ = try KeyEncoding.decodeElement(key, offset: &offset)
            if index.key.sortKey != nil { _ = try KeyEncoding.decodeElement(key, offset: &offset) }
        }
        let partition = try KeyEncoding.decodeElement(key, offset: &offset)
        let sort = table.key.sortKey == nil ? nil : try KeyEncoding.decodeElement(key, offset: &offset)
        return PrimaryKey(partition: partition, sort: sort)
    }

    /// The `LastEvaluatedKey` of the engine key `key`: the table's key attributes, plus the
    /// index's key attributes on an index (rule 41).
    func lastEvaluatedKey(_ key: [UInt8]) throws -> Item {
        var offset = prefix.count
        var item: Item = [:]
        if let index {
            item[index.key.partitionKey.name] = try KeyEncoding.decodeElement(key, offset: &offset).attributeValue
            if let sort = index.key.sortKey {
                item[sort.name] = try KeyEncoding.decodeElement(key, offset: &offset).attributeValue
            }
        }
        item[table.key.partitionKey.name] = try KeyEncoding.decodeElement(key, offset: &offset).attributeValue
        if let sort = table.key.sortKey {
            item[sort.name] = try KeyEncoding.decodeElement(key, offset: &offset).attributeValue
        }
        return item
    }

    /// The engine position of an `ExclusiveStartKey`: the key it names, which need not exist
    /// (rule 45).
    ///
    /// - Throws: `ValidationException` unless it holds exactly the table's key attributes (plus
    ///   the index's on an index) with the right types.
    func position(of startKey: Item) throws(DynamoError) -> [UInt8] {
        let invalid = DynamoError.validation("The provided starting key is invalid: The provided key element does not match the schema")
        let primaryKey: PrimaryKey
        do {
            primaryKey = try table.key.primaryKey(ofKey: startKey.filter { table.key.isKeyAttribute($0.key) })
        } catch {
            throw invalid
        }
        var position = prefix
        if let index {
            guard Set(startKey.keys) == Set(index.positionNames) else { throw invalid }
            for attribute in [index.key.partitionKey] + (index.key.sortKey.map { [$0] } ?? []) {
                guard let value = startKey[attribute.name], value.type == attribute.type.attributeType, let keyValue = KeyValue(value) else {
                    throw invalid
                }
                KeyEncoding.append(keyValue, to: &position)
            }
        } else {
            guard startKey.count == table.key.attributeNames.count else { throw invalid }
        }
        position.append(contentsOf: table.keySuffix(primaryKey))
        return position
    }

    /// The engine key range of a key condition: the partition's entries that satisfy the sort
    /// condition, as `[lower, upper)`.
    ///
    /// Every encoded element is self-delimiting and starts with a type code below 0xFF, so
    /// `x + [0xFF]` is above every key that extends the complete element `x`.
    func range(of condition: KeyCondition) -> (lower: [UInt8], upper: [UInt8]) {
        var partition = prefix
        KeyEncoding.append(condition.partitionKey, to: &partition)
        let partitionEnd = partition + [0xFF]
        func with(_ value: KeyValue) -> [UInt8] {
            var bytes = partition
            KeyEncoding.append(value, to: &bytes)
            return bytes
        }
        switch condition.sortKeyCondition {
        case nil: return (partition, partitionEnd)
        case .equal(let value): return (with(value), with(value) + [0xFF])
        case .less(let value): return (partition, with(value))
        case .lessOrEqual(let value): return (partition, with(value) + [0xFF])
        case .greater(let value): return (with(value) + [0xFF], partitionEnd)
        case .greaterOrEqual(let value): return (with(value), partitionEnd)
        case .between(let low, let high): return (with(low), with(high) + [0xFF])
        case .beginsWith(let start):
            let lower = partition + KeyEncoding.encodedPrefix(start)
            return (lower, KeyEncoding.prefixUpperBound(lower) ?? partitionEnd)
        }
    }
}
