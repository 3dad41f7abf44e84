/// `TableStore.nearby`'s parameters: the items of a table's geohash index within a radius of a
/// point, optionally within a sort-key range, a page at a time.
public struct NearbyRequest: Sendable {
    /// The table (it must have a geohash index).
    public var tableName: String
    /// The centre's latitude, -90...90 degrees.
    public var latitude: Double
    /// The centre's longitude, -180...180 degrees.
    public var longitude: Double
    /// The radius in kilometres (> 0): items farther than this (haversine) are not returned.
    public var radiusKilometers: Double
    /// A condition on the index's sort attribute (e.g. `.between(18, 30)` on age), applied as a
    /// key range inside every cell.
    public var sortKeyCondition: SortKeyCondition?
    /// Drops items after they are read (they count as evaluated).
    public var filterExpression: String?
    /// The paths to return (by default, what the index projects).
    public var projectionExpression: String?
    /// `#name` placeholders.
    public var expressionAttributeNames: [String: String]?
    /// `:value` placeholders.
    public var expressionAttributeValues: [String: AttributeValue]?
    /// At most this many items are returned per page (≥ 1).
    public var limit: Int
    /// A page also ends after evaluating this many items (nil: no bound), so a sparse area cannot
    /// make one page read everything.
    public var maxEvaluated: Int?
    /// Where the previous page stopped.
    public var cursor: NearbyCursor?

    /// A nearby request; see the properties.
    public init(
        tableName: String, latitude: Double, longitude: Double, radiusKilometers: Double,
        sortKeyCondition: SortKeyCondition? = nil, filterExpression: String? = nil, projectionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        limit: Int = 20, maxEvaluated: Int? = nil, cursor: NearbyCursor? = nil
    ) {
        self.tableName = tableName
        self.latitude = latitude
        self.longitude = longitude
        self.radiusKilometers = radiusKilometers
        self.sortKeyCondition = sortKeyCondition
        self.filterExpression = filterExpression
        self.projectionExpression = projectionExpression
        self.expressionAttributeNames = expressionAttributeNames
        self.expressionAttributeValues = expressionAttributeValues
        self.limit = limit
        self.maxEvaluated = maxEvaluated
        self.cursor = cursor
    }
}

/// One page of `TableStore.nearby`.
public struct NearbyResponse: Sendable, Equatable {
    /// The items within the radius that passed the filter, projected: cells nearest first, each
    /// cell in sort-key order.
    public var items: [Item]
    /// How many items were returned.
    public var count: Int
    /// How many index entries were read (every visible entry in the cells' sort-key ranges, inside
    /// or outside the radius, before the filter).
    public var scannedCount: Int
    /// How many cells this page read.
    public var cellsRead: Int
    /// How many cells the radius touches in all.
    public var cellsTotal: Int
    /// Present unless the walk is complete: pass it back for the next page.
    public var cursor: NearbyCursor?

    /// A page of a `nearby` walk.
    public init(items: [Item], count: Int, scannedCount: Int, cellsRead: Int, cellsTotal: Int, cursor: NearbyCursor?) {
        self.items = items
        self.count = count
        self.scannedCount = scannedCount
        self.cellsRead = cellsRead
        self.cellsTotal = cellsTotal
        self.cursor = cursor
    }
}

/// An opaque position in a `nearby` walk: the cell and the last index entry read. It is bound
/// to the request's centre, radius and sort condition; using it with another request is a
/// ValidationException.
public struct NearbyCursor: Sendable, Hashable {
    /// The encoded cursor (version, request fingerprint, cell ordinal, last key).
    public let bytes: [UInt8]

    /// A cursor from its bytes (e.g. received from a client); it is checked when used.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}
