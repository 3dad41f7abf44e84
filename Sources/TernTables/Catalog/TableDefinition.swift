/// The role of a key attribute in a `KeySchema` list: DynamoDB's `KeyType`.
public enum KeyType: String, Sendable, CaseIterable {
    /// The partition key.
    case hash = "HASH"
    /// The sort key.
    case range = "RANGE"
}

/// One element of a table's or index's `KeySchema`: DynamoDB's `KeySchemaElement`.
public struct KeySchemaElement: Sendable, Hashable {
    /// The key attribute's name.
    public var attributeName: String
    /// `HASH` or `RANGE`.
    public var keyType: KeyType

    /// The element naming `attributeName` as a `keyType` key.
    public init(attributeName: String, keyType: KeyType) {
        self.attributeName = attributeName
        self.keyType = keyType
    }
}

/// The type of an attribute used by a key: DynamoDB's `AttributeDefinition`.
public struct AttributeDefinition: Sendable, Hashable {
    /// The attribute's name.
    public var attributeName: String
    /// `S`, `N` or `B`.
    public var attributeType: ScalarAttributeType

    /// The definition of `attributeName` as `attributeType`.
    public init(attributeName: String, attributeType: ScalarAttributeType) {
        self.attributeName = attributeName
        self.attributeType = attributeType
    }
}

extension ScalarAttributeType {
    /// Parses an `AttributeType` as it arrives on the wire (`S`, `N` or `B`).
    ///
    /// - Parameter position: the 1-based position of the definition, for DynamoDB's message.
    /// - Throws: `ValidationException` for anything else (`BOOL`, `SS`, ...), worded as DynamoDB's
    ///   constraint check.
    public init(parsing text: String, position: Int = 1) throws(DynamoError) {
        guard let type = ScalarAttributeType(rawValue: text) else {
            throw .validation(
                "1 validation error detected: Value '\(text)' at 'attributeDefinitions.\(position).member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]")
        }
        self = type
    }
}

/// Which attributes a secondary index stores: DynamoDB's `ProjectionType`.
public enum ProjectionType: String, Sendable, CaseIterable {
    /// The whole item.
    case all = "ALL"
    /// The table's and the index's key attributes.
    case keysOnly = "KEYS_ONLY"
    /// The keys plus `nonKeyAttributes`.
    case include = "INCLUDE"
}

/// A secondary index's projection: DynamoDB's `Projection`.
public struct Projection: Sendable, Hashable {
    /// What the index stores.
    public var projectionType: ProjectionType
    /// For `INCLUDE`: the non-key attributes stored besides the keys.
    public var nonKeyAttributes: [String]

    /// A projection of `projectionType`, with `nonKeyAttributes` for `INCLUDE`.
    public init(projectionType: ProjectionType, nonKeyAttributes: [String] = []) {
        self.projectionType = projectionType
        self.nonKeyAttributes = nonKeyAttributes
    }

    /// The whole item.
    public static let all = Projection(projectionType: .all)
    /// Keys only.
    public static let keysOnly = Projection(projectionType: .keysOnly)
    /// Keys plus `attributes`.
    public static func include(_ attributes: [String]) -> Projection {
        Projection(projectionType: .include, nonKeyAttributes: attributes)
    }
}

/// DynamoDB's `BillingMode`. Tern has no capacity limits; both are accepted and reported back.
public enum BillingMode: String, Sendable, CaseIterable {
    /// Provisioned capacity (`ProvisionedThroughput` is recorded but not enforced).
    case provisioned = "PROVISIONED"
    /// On demand.
    case payPerRequest = "PAY_PER_REQUEST"
}

/// DynamoDB's `ProvisionedThroughput`: recorded and described, never enforced.
public struct ProvisionedThroughput: Sendable, Hashable {
    /// Read capacity units.
    public var readCapacityUnits: Int
    /// Write capacity units.
    public var writeCapacityUnits: Int

    /// Throughput of `readCapacityUnits` and `writeCapacityUnits`.
    public init(readCapacityUnits: Int, writeCapacityUnits: Int) {
        self.readCapacityUnits = readCapacityUnits
        self.writeCapacityUnits = writeCapacityUnits
    }
}

/// A global secondary index in a CreateTable request: DynamoDB's `GlobalSecondaryIndex`.
public struct GlobalSecondaryIndex: Sendable, Hashable {
    /// The index's name, unique within the table.
    public var indexName: String
    /// Its key: a HASH element and an optional RANGE element.
    public var keySchema: [KeySchemaElement]
    /// What it stores.
    public var projection: Projection
    /// Recorded, never enforced.
    public var provisionedThroughput: ProvisionedThroughput?

    /// A GSI `indexName` with `keySchema` and `projection`.
    public init(
        indexName: String, keySchema: [KeySchemaElement], projection: Projection,
        provisionedThroughput: ProvisionedThroughput? = nil
    ) {
        self.indexName = indexName
        self.keySchema = keySchema
        self.projection = projection
        self.provisionedThroughput = provisionedThroughput
    }
}

/// A local secondary index in a CreateTable request: DynamoDB's `LocalSecondaryIndex`. Its HASH
/// key must be the table's; its RANGE key is another attribute.
public struct LocalSecondaryIndex: Sendable, Hashable {
    /// The index's name, unique within the table.
    public var indexName: String
    /// The table's HASH element and the index's RANGE element.
    public var keySchema: [KeySchemaElement]
    /// What it stores.
    public var projection: Projection

    /// An LSI `indexName` with `keySchema` and `projection`.
    public init(indexName: String, keySchema: [KeySchemaElement], projection: Projection) {
        self.indexName = indexName
        self.keySchema = keySchema
        self.projection = projection
    }
}

/// A geohash index (a Tern extension): a global index whose partition key is the geohash cell of
/// an item's coordinates and whose sort key is another attribute (e.g. age).
///
/// The coordinates are two top-level `N` attributes (latitude in -90...90, longitude in
/// -180...180). On every write the table derives the cell (`precision` base-32 characters) and
/// stores it in the item as `cellAttributeName` (an `S`), or removes that attribute when the item
/// has no coordinates; so the cell is an ordinary attribute that `Query` on this index can test
/// (`geohash = :cell AND age BETWEEN :lo AND :hi`), and `TableStore.nearby` uses the same index to
/// answer radius queries.
public struct GeohashIndex: Sendable, Hashable {
    /// The index's name, unique within the table (queryable like a GSI).
    public var indexName: String
    /// The latitude attribute (N, degrees).
    public var latitudeAttributeName: String
    /// The longitude attribute (N, degrees).
    public var longitudeAttributeName: String
    /// The derived cell attribute (S), the index's HASH key.
    public var cellAttributeName: String
    /// The index's RANGE key (e.g. `age`), or nil for a hash-only index.
    public var sortAttributeName: String?
    /// Geohash characters per cell, 1...12 (4 is about 39 × 20 km at the equator).
    public var precision: Int
    /// What the index stores (the coordinates are always stored, for the distance check).
    public var projection: Projection

    /// The default cell precision.
    public static let defaultPrecision = 4

    /// A geohash index; see the type's documentation.
    public init(
        indexName: String, latitudeAttributeName: String = "lat", longitudeAttributeName: String = "lon",
        cellAttributeName: String = "geohash", sortAttributeName: String?, precision: Int = GeohashIndex.defaultPrecision,
        projection: Projection = .all
    ) {
        self.indexName = indexName
        self.latitudeAttributeName = latitudeAttributeName
        self.longitudeAttributeName = longitudeAttributeName
        self.cellAttributeName = cellAttributeName
        self.sortAttributeName = sortAttributeName
        self.precision = precision
        self.projection = projection
    }

    /// The index's key schema, as a GSI would have it.
    public var keySchema: [KeySchemaElement] {
        var schema = [KeySchemaElement(attributeName: cellAttributeName, keyType: .hash)]
        if let sortAttributeName { schema.append(KeySchemaElement(attributeName: sortAttributeName, keyType: .range)) }
        return schema
    }
}

/// A table's time-to-live setting: DynamoDB's `TimeToLiveSpecification`.
public struct TimeToLiveSpecification: Sendable, Hashable {
    /// The attribute holding the expiry time, in epoch seconds (N).
    public var attributeName: String
    /// Whether expiry is on.
    public var enabled: Bool

    /// TTL on `attributeName`, enabled or not.
    public init(attributeName: String, enabled: Bool = true) {
        self.attributeName = attributeName
        self.enabled = enabled
    }
}

/// A table's status. Tern creates tables synchronously, so a described table is `ACTIVE`; a
/// DeleteTable response says `DELETING`.
public enum TableStatus: String, Sendable, CaseIterable {
    /// Being created (never observed in Tern).
    case creating = "CREATING"
    /// Usable.
    case active = "ACTIVE"
    /// Being deleted.
    case deleting = "DELETING"
}

/// What DescribeTable reports about a GSI (or the geohash index): DynamoDB's
/// `GlobalSecondaryIndexDescription`.
public struct GlobalSecondaryIndexDescription: Sendable, Hashable {
    /// The index's name.
    public var indexName: String
    /// HASH first.
    public var keySchema: [KeySchemaElement]
    /// What it stores.
    public var projection: Projection
    /// Always `ACTIVE` (indexes are built with the table).
    public var indexStatus: String
    /// As requested.
    public var provisionedThroughput: ProvisionedThroughput?

    /// A GSI as DescribeTable reports it.
    public init(
        indexName: String, keySchema: [KeySchemaElement], projection: Projection, indexStatus: String = "ACTIVE",
        provisionedThroughput: ProvisionedThroughput? = nil
    ) {
        self.indexName = indexName
        self.keySchema = keySchema
        self.projection = projection
        self.indexStatus = indexStatus
        self.provisionedThroughput = provisionedThroughput
    }
}

/// What DescribeTable reports about an LSI: DynamoDB's `LocalSecondaryIndexDescription`.
public struct LocalSecondaryIndexDescription: Sendable, Hashable {
    /// The index's name.
    public var indexName: String
    /// HASH first.
    public var keySchema: [KeySchemaElement]
    /// What it stores.
    public var projection: Projection

    /// An LSI as DescribeTable reports it.
    public init(indexName: String, keySchema: [KeySchemaElement], projection: Projection) {
        self.indexName = indexName
        self.keySchema = keySchema
        self.projection = projection
    }
}

/// What DescribeTable reports: DynamoDB's `TableDescription`, plus Tern's extensions.
public struct TableDescription: Sendable, Hashable {
    /// The table's name.
    public var tableName: String
    /// The key schema, HASH first.
    public var keySchema: [KeySchemaElement]
    /// The definitions of every key attribute of the table and its indexes.
    public var attributeDefinitions: [AttributeDefinition]
    /// `ACTIVE`, or `DELETING` in a DeleteTable response.
    public var tableStatus: TableStatus
    /// When the table was created, in epoch seconds of the store's clock.
    public var creationDateTime: Int64
    /// As requested (default `PROVISIONED` when throughput is given, else `PAY_PER_REQUEST`).
    public var billingMode: BillingMode
    /// As requested.
    public var provisionedThroughput: ProvisionedThroughput?
    /// Global secondary indexes, in creation order (nil when there are none, as DynamoDB omits them).
    public var globalSecondaryIndexes: [GlobalSecondaryIndexDescription]?
    /// Local secondary indexes, in creation order (nil when there are none).
    public var localSecondaryIndexes: [LocalSecondaryIndexDescription]?
    /// The geohash index (Tern extension), also listed among `globalSecondaryIndexes`.
    public var geohashIndex: GeohashIndex?
    /// The TTL setting, when one was ever given.
    public var timeToLive: TimeToLiveSpecification?
    /// Tern's internal table id: the key prefix of this incarnation of the table. A re-created
    /// table gets a new one.
    public var tableID: UInt32
    /// The regions of a global table (nil for a table that does not replicate).
    public var replicas: [ReplicaDescription]?
    /// `2019.11.21` for a global table (DynamoDB's current global tables), nil otherwise.
    public var globalTableVersion: String?

    /// The `GlobalTableVersion` a global table reports.
    public static let globalTableVersion = "2019.11.21"

    /// A table as DescribeTable reports it. `tableID` is Tern's internal id; other services
    /// have none (0).
    public init(
        tableName: String, keySchema: [KeySchemaElement], attributeDefinitions: [AttributeDefinition], tableStatus: TableStatus,
        creationDateTime: Int64, billingMode: BillingMode, provisionedThroughput: ProvisionedThroughput? = nil,
        globalSecondaryIndexes: [GlobalSecondaryIndexDescription]? = nil, localSecondaryIndexes: [LocalSecondaryIndexDescription]? = nil,
        geohashIndex: GeohashIndex? = nil, timeToLive: TimeToLiveSpecification? = nil, tableID: UInt32 = 0
    ) {
        self.tableName = tableName
        self.keySchema = keySchema
        self.attributeDefinitions = attributeDefinitions
        self.tableStatus = tableStatus
        self.creationDateTime = creationDateTime
        self.billingMode = billingMode
        self.provisionedThroughput = provisionedThroughput
        self.globalSecondaryIndexes = globalSecondaryIndexes
        self.localSecondaryIndexes = localSecondaryIndexes
        self.geohashIndex = geohashIndex
        self.timeToLive = timeToLive
        self.tableID = tableID
    }
}
