/// CreateTable's parameters (DynamoDB's names, plus Tern's geohash and TTL extensions).
public struct CreateTableRequest: Sendable, Hashable {
    /// 3-255 characters of `[A-Za-z0-9_.-]`.
    public var tableName: String
    /// One HASH element, then at most one RANGE element.
    public var keySchema: [KeySchemaElement]
    /// Exactly the attributes used by the table's and its indexes' keys.
    public var attributeDefinitions: [AttributeDefinition]
    /// Accepted and reported; nil picks `PROVISIONED` when `provisionedThroughput` is given.
    public var billingMode: BillingMode?
    /// Accepted and reported, never enforced.
    public var provisionedThroughput: ProvisionedThroughput?
    /// Global secondary indexes (at most 20, together with the geohash index).
    public var globalSecondaryIndexes: [GlobalSecondaryIndex]
    /// Local secondary indexes (at most 5; the table must have a sort key).
    public var localSecondaryIndexes: [LocalSecondaryIndex]
    /// Tern extension: a geohash index on a latitude/longitude attribute pair.
    public var geohashIndex: GeohashIndex?
    /// Tern extension: TTL from the start (DynamoDB needs a separate UpdateTimeToLive).
    public var timeToLiveSpecification: TimeToLiveSpecification?

    /// A CreateTable request; see the properties.
    public init(
        tableName: String, keySchema: [KeySchemaElement], attributeDefinitions: [AttributeDefinition],
        billingMode: BillingMode? = nil, provisionedThroughput: ProvisionedThroughput? = nil,
        globalSecondaryIndexes: [GlobalSecondaryIndex] = [], localSecondaryIndexes: [LocalSecondaryIndex] = [],
        geohashIndex: GeohashIndex? = nil, timeToLiveSpecification: TimeToLiveSpecification? = nil
    ) {
        self.tableName = tableName
        self.keySchema = keySchema
        self.attributeDefinitions = attributeDefinitions
        self.billingMode = billingMode
        self.provisionedThroughput = provisionedThroughput
        self.globalSecondaryIndexes = globalSecondaryIndexes
        self.localSecondaryIndexes = localSecondaryIndexes
        self.geohashIndex = geohashIndex
        self.timeToLiveSpecification = timeToLiveSpecification
    }
}

/// CreateTable's result.
public struct CreateTableResponse: Sendable, Hashable {
    /// The new table, `ACTIVE`.
    public var tableDescription: TableDescription

    /// A CreateTable result.
    public init(tableDescription: TableDescription) { self.tableDescription = tableDescription }
}

/// DeleteTable's parameters.
public struct DeleteTableRequest: Sendable, Hashable {
    /// The table to delete.
    public var tableName: String
    /// Deletes `tableName`.
    public init(tableName: String) { self.tableName = tableName }
}

/// DeleteTable's result.
public struct DeleteTableResponse: Sendable, Hashable {
    /// The deleted table, with status `DELETING`.
    public var tableDescription: TableDescription

    /// A DeleteTable result.
    public init(tableDescription: TableDescription) { self.tableDescription = tableDescription }
}

/// DescribeTable's parameters.
public struct DescribeTableRequest: Sendable, Hashable {
    /// The table to describe.
    public var tableName: String
    /// Describes `tableName`.
    public init(tableName: String) { self.tableName = tableName }
}

/// DescribeTable's result.
public struct DescribeTableResponse: Sendable, Hashable {
    /// The table.
    public var table: TableDescription

    /// A DescribeTable result.
    public init(table: TableDescription) { self.table = table }
}

/// ListTables' parameters.
public struct ListTablesRequest: Sendable, Hashable {
    /// At most this many names (1...100; nil means 100).
    public var limit: Int?
    /// Start strictly after this name (a previous `lastEvaluatedTableName`).
    public var exclusiveStartTableName: String?

    /// A ListTables request.
    public init(limit: Int? = nil, exclusiveStartTableName: String? = nil) {
        self.limit = limit
        self.exclusiveStartTableName = exclusiveStartTableName
    }
}

/// ListTables' result.
public struct ListTablesResponse: Sendable, Hashable {
    /// Table names in ascending UTF-8 byte order.
    public var tableNames: [String]
    /// Present when the limit cut the list: pass it as `exclusiveStartTableName`.
    public var lastEvaluatedTableName: String?

    /// A ListTables page.
    public init(tableNames: [String], lastEvaluatedTableName: String?) {
        self.tableNames = tableNames
        self.lastEvaluatedTableName = lastEvaluatedTableName
    }
}

/// UpdateTimeToLive's parameters.
public struct UpdateTimeToLiveRequest: Sendable, Hashable {
    /// The table.
    public var tableName: String
    /// The new setting.
    public var timeToLiveSpecification: TimeToLiveSpecification

    /// Sets `tableName`'s TTL to `timeToLiveSpecification`.
    public init(tableName: String, timeToLiveSpecification: TimeToLiveSpecification) {
        self.tableName = tableName
        self.timeToLiveSpecification = timeToLiveSpecification
    }
}

/// UpdateTimeToLive's result.
public struct UpdateTimeToLiveResponse: Sendable, Hashable {
    /// The setting now in force.
    public var timeToLiveSpecification: TimeToLiveSpecification

    /// An UpdateTimeToLive result.
    public init(timeToLiveSpecification: TimeToLiveSpecification) { self.timeToLiveSpecification = timeToLiveSpecification }
}

/// DescribeTimeToLive's parameters.
public struct DescribeTimeToLiveRequest: Sendable, Hashable {
    /// The table.
    public var tableName: String
    /// Describes `tableName`'s TTL.
    public init(tableName: String) { self.tableName = tableName }
}

/// DescribeTimeToLive's result.
public struct DescribeTimeToLiveResponse: Sendable, Hashable {
    /// The table's TTL setting; nil when TTL was never configured.
    public var timeToLiveSpecification: TimeToLiveSpecification?

    /// A DescribeTimeToLive result.
    public init(timeToLiveSpecification: TimeToLiveSpecification?) { self.timeToLiveSpecification = timeToLiveSpecification }
}
