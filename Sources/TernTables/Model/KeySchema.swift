/// A table's (or index's) primary key: a partition (HASH) key and an optional sort (RANGE) key.
package struct KeySchema: Sendable, Hashable {
    /// One key attribute: its name and type.
    package struct Attribute: Sendable, Hashable {
        /// The attribute's name.
        package var name: String
        /// The attribute's type: S, N or B.
        package var type: ScalarAttributeType

        /// A key attribute `name` of `type`.
        package init(name: String, type: ScalarAttributeType) {
            self.name = name
            self.type = type
        }
    }

    /// The largest partition key value, in bytes.
    package static let maxPartitionKeyBytes = 2048
    /// The largest sort key value, in bytes.
    package static let maxSortKeyBytes = 1024

    /// The partition (HASH) key.
    package var partitionKey: Attribute
    /// The sort (RANGE) key, if the table has one.
    package var sortKey: Attribute?

    /// A schema with `partitionKey` and, optionally, `sortKey`.
    package init(partitionKey: Attribute, sortKey: Attribute? = nil) {
        self.partitionKey = partitionKey
        self.sortKey = sortKey
    }

    /// The key attribute names, partition key first.
    package var attributeNames: [String] {
        sortKey.map { [partitionKey.name, $0.name] } ?? [partitionKey.name]
    }

    /// True when `name` is the partition or the sort key.
    package func isKeyAttribute(_ name: String) -> Bool {
        name == partitionKey.name || name == sortKey?.name
    }

    /// The primary key of a `Key` parameter (GetItem, DeleteItem, UpdateItem), which must name
    /// exactly the key attributes with the right types.
    ///
    /// - Throws: `ValidationException` "The provided key element does not match the schema" for a
    ///   missing, extra or mistyped attribute; the empty-value and size errors of `keyValue`.
    package func primaryKey(ofKey key: Item) throws(DynamoError) -> PrimaryKey {
        guard key.count == attributeNames.count else { throw KeySchema.mismatchError }
        guard let partition = key[partitionKey.name], partition.type == partitionKey.type.attributeType else {
            throw KeySchema.mismatchError
        }
        var sort: KeyValue?
        if let sortKey {
            guard let value = key[sortKey.name], value.type == sortKey.type.attributeType else {
                throw KeySchema.mismatchError
            }
            sort = try KeySchema.keyValue(value, of: sortKey, limitBytes: KeySchema.maxSortKeyBytes, isSort: true)
        }
        let partitionValue = try KeySchema.keyValue(
            partition, of: partitionKey, limitBytes: KeySchema.maxPartitionKeyBytes, isSort: false)
        return PrimaryKey(partition: partitionValue, sort: sort)
    }

    /// The primary key of a whole item (PutItem), which must hold the key attributes with the right
    /// types; other attributes are allowed.
    ///
    /// - Throws: `ValidationException` "Missing the key ... in the item" or "Type mismatch for key
    ///   ...", an empty key value, or a key over its size limit.
    package func primaryKey(ofItem item: Item) throws(DynamoError) -> PrimaryKey {
        let partition = try KeySchema.itemKeyValue(item, partitionKey, limitBytes: KeySchema.maxPartitionKeyBytes, isSort: false)
        let sort = try sortKey.map { (attribute) throws(DynamoError) in
            try KeySchema.itemKeyValue(item, attribute, limitBytes: KeySchema.maxSortKeyBytes, isSort: true)
        }
        return PrimaryKey(partition: partition, sort: sort)
    }

    /// The key attributes of `item` as an item (for `LastEvaluatedKey`, KEYS_ONLY projections).
    package func keyItem(of key: PrimaryKey) -> Item {
        var item: Item = [partitionKey.name: key.partition.attributeValue]
        if let sortKey, let sort = key.sort { item[sortKey.name] = sort.attributeValue }
        return item
    }

    private static func itemKeyValue(
        _ item: Item, _ attribute: Attribute, limitBytes: Int, isSort: Bool
    ) throws(DynamoError) -> KeyValue {
        guard let value = item[attribute.name] else {
            throw .validation("One or more parameter values were invalid: Missing the key \(attribute.name) in the item")
        }
        guard value.type == attribute.type.attributeType else {
            throw .validation(
                "One or more parameter values were invalid: Type mismatch for key \(attribute.name) expected: \(attribute.type.rawValue) actual: \(value.type.rawValue)")
        }
        return try keyValue(value, of: attribute, limitBytes: limitBytes, isSort: isSort)
    }

    private static func keyValue(
        _ value: AttributeValue, of attribute: Attribute, limitBytes: Int, isSort: Bool
    ) throws(DynamoError) -> KeyValue {
        guard let keyValue = KeyValue(value) else { throw mismatchError }
        switch keyValue {
        case .string(let string) where string.utf8.isEmpty:
            throw .validation(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: \(attribute.name)")
        case .binary(let bytes) where bytes.isEmpty:
            throw .validation(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: \(attribute.name)")
        default:
            break
        }
        if keyValue.sizeBytes > limitBytes {
            throw .validation(
                isSort
                    ? "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of \(limitBytes) bytes"
                    : "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of \(limitBytes) bytes")
        }
        return keyValue
    }

    static let mismatchError = DynamoError.validation("The provided key element does not match the schema")
}

/// The primary key of one item: its partition key value and, on tables with one, its sort key value.
package struct PrimaryKey: Sendable, Hashable, Comparable {
    /// The partition key value.
    package var partition: KeyValue
    /// The sort key value, on tables with a sort key.
    package var sort: KeyValue?

    /// The key `partition` / `sort`.
    package init(partition: KeyValue, sort: KeyValue? = nil) {
        self.partition = partition
        self.sort = sort
    }

    /// Key order: by partition value, then by sort value (absent first).
    package static func < (lhs: PrimaryKey, rhs: PrimaryKey) -> Bool {
        let partitionOrder = KeyValue.compare(lhs.partition, rhs.partition)
        if partitionOrder != 0 { return partitionOrder < 0 }
        switch (lhs.sort, rhs.sort) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let a?, let b?): return a < b
        }
    }
}
