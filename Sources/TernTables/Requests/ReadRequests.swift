/// Which attributes a Query or Scan returns: DynamoDB's `Select`.
public enum Select: String, Sendable, CaseIterable {
    /// Every attribute of the item (on an LSI, fetched from the table when not projected; not
    /// allowed on a GSI that does not project ALL).
    case allAttributes = "ALL_ATTRIBUTES"
    /// What the index projects (on a table, everything).
    case allProjectedAttributes = "ALL_PROJECTED_ATTRIBUTES"
    /// The `ProjectionExpression`'s paths (required with it).
    case specificAttributes = "SPECIFIC_ATTRIBUTES"
    /// Only `Count` and `ScannedCount`, no items.
    case count = "COUNT"
}

/// Query's parameters.
public struct QueryRequest: Sendable {
    /// The table.
    public var tableName: String
    /// An index of the table to read instead of the table.
    public var indexName: String?
    /// `pk = :v [AND <sort-key condition>]` on the table's (or index's) keys.
    public var keyConditionExpression: String
    /// Drops items after they are read (they still count for `Limit` and `ScannedCount`); may not
    /// use key attributes.
    public var filterExpression: String?
    /// The paths to return.
    public var projectionExpression: String?
    /// `#name` placeholders of every expression.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders of every expression.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// At most this many items are read (≥ 1), before the filter.
    public var limit: Int?
    /// Resume strictly after this position (a previous `lastEvaluatedKey`).
    public var exclusiveStartKey: Item?
    /// Ascending sort-key order when true (the default), descending when false.
    public var scanIndexForward: Bool
    /// What to return; nil picks ALL_ATTRIBUTES (ALL_PROJECTED_ATTRIBUTES on an index), or
    /// SPECIFIC_ATTRIBUTES with a projection expression.
    public var select: Select?
    /// Accepted on a table or LSI (every read is consistent); a ValidationException on a GSI.
    public var consistentRead: Bool

    /// A Query request; see the properties.
    public init(
        tableName: String, indexName: String? = nil, keyConditionExpression: String, filterExpression: String? = nil,
        projectionExpression: String? = nil, expressionAttributeNames: [String: String]? = nil,
        expressionAttributeValues: [String: AttributeValue]? = nil, limit: Int? = nil, exclusiveStartKey: Item? = nil,
        scanIndexForward: Bool = true, select: Select? = nil, consistentRead: Bool = false
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.keyConditionExpression = keyConditionExpression
        self.filterExpression = filterExpression
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.limit = limit
        self.exclusiveStartKey = exclusiveStartKey
        self.scanIndexForward = scanIndexForward
        self.select = select
        self.consistentRead = consistentRead
    }
}

/// Scan's parameters.
public struct ScanRequest: Sendable {
    /// The table.
    public var tableName: String
    /// An index of the table to read instead of the table (only its items).
    public var indexName: String?
    /// Drops items after they are read (a Scan filter may use key attributes).
    public var filterExpression: String?
    /// The paths to return.
    public var projectionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// At most this many items are read (≥ 1), before the filter.
    public var limit: Int?
    /// Resume strictly after this position.
    public var exclusiveStartKey: Item?
    /// What to return (see `QueryRequest.select`).
    public var select: Select?
    /// This request's segment, 0 ..< `totalSegments` (both or neither).
    public var segment: Int?
    /// How many disjoint segments the scan is split into (1...1,000,000).
    public var totalSegments: Int?
    /// Accepted on a table or LSI; a ValidationException on a GSI.
    public var consistentRead: Bool

    /// A Scan request; see the properties.
    public init(
        tableName: String, indexName: String? = nil, filterExpression: String? = nil, projectionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        limit: Int? = nil, exclusiveStartKey: Item? = nil, select: Select? = nil, segment: Int? = nil,
        totalSegments: Int? = nil, consistentRead: Bool = false
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.filterExpression = filterExpression
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.limit = limit
        self.exclusiveStartKey = exclusiveStartKey
        self.select = select
        self.segment = segment
        self.totalSegments = totalSegments
        self.consistentRead = consistentRead
    }
}

/// The result of a Query or a Scan page.
public struct QueryResponse: Sendable, Equatable {
    /// The items that passed the filter, projected (empty with `Select=COUNT`).
    public var items: [Item]
    /// How many items passed the filter.
    public var count: Int
    /// How many items were read (matched the key condition), before the filter.
    public var scannedCount: Int
    /// Where the page stopped, when `Limit` or the 1 MB cap stopped it: feed it back as
    /// `exclusiveStartKey`. The table's key attributes, plus the index's on an index.
    public var lastEvaluatedKey: Item?

    /// A Query or Scan page.
    public init(items: [Item], count: Int, scannedCount: Int, lastEvaluatedKey: Item?) {
        self.items = items
        self.count = count
        self.scannedCount = scannedCount
        self.lastEvaluatedKey = lastEvaluatedKey
    }
}

/// A Scan page has the same shape as a Query page.
public typealias ScanResponse = QueryResponse
