import TernEngine

/// Radius queries on the geohash index.
///
/// The circle is covered by every cell of the index's precision it touches (`GeoCovering`:
/// the centre's cell, its neighbours, and as many rings as the radius needs, across the
/// antimeridian and over the poles), nearest cells first. Each cell is one key range of the index
/// (`[cell][sort key]`), narrowed by the sort condition, so an age range costs nothing outside
/// itself. Every entry read is checked against the true haversine distance before the filter and
/// the projection. One engine iterator, at one snapshot, serves all the cells of a page.
extension TableStore {
    /// One page of the items within `radiusKilometers` of a point.
    ///
    /// - Returns: the items, how many entries were evaluated (`scannedCount`) and returned
    ///   (`count`), and a cursor unless the walk is complete.
    /// - Throws: `ResourceNotFoundException`; `ValidationException` for a table without a geohash
    ///   index, coordinates or radius out of range, a radius touching too many cells, a sort
    ///   condition of the wrong type, `limit` < 1, bad expressions, or a cursor from another
    ///   request; engine errors.
    /// - Thread safety: one engine snapshot; no lock.
    public func nearby(_ request: NearbyRequest) throws -> NearbyResponse {
        let started = metrics.start()
        defer { metrics.record(.nearby, since: started) }
        let table = try table(request.tableName)
        guard let index = table.geohashIndex, let geohash = table.geohash else {
            throw DynamoError.validation("Table \(request.tableName) has no geohash index")
        }
        let plan = try NearbyPlan(request, table: table, index: index, geohash: geohash, now: now(), readers: readerCache)
        var (ordinal, resumeKey) = try plan.decode(request.cursor)
        var response = NearbyResponse(
            items: [], count: 0, scannedCount: 0, cellsRead: 0, cellsTotal: plan.covering.entries.count, cursor: nil)
        let target = ReadTarget(table: table, index: index)
        var iterator = try store.makeIterator(lowerBound: index.prefix, upperBound: KeyLayout.end(of: index.prefix), snapshot: store.snapshot())
        while ordinal < plan.covering.entries.count {
            let cell = plan.covering.entries[ordinal].cell
            var range = target.range(of: KeyCondition(partitionKey: .string(cell.description), sortKeyCondition: request.sortKeyCondition))
            if let resumeKey, compareBytes(resumeKey + [0], range.lower) > 0 { range.lower = resumeKey + [0] }
            resumeKey = nil
            response.cellsRead += 1
            iterator.seek(range.lower)
            while iterator.isValid, iterator.withKey({ compareRaw($0, range.upper) < 0 }) {
                try plan.evaluate(iterator, into: &response)
                if response.count == request.limit || response.scannedCount == request.maxEvaluated {
                    response.cursor = plan.encode(ordinal: ordinal, key: iterator.key)
                    try iterator.checkError()
                    return response
                }
                iterator.next()
            }
            try iterator.checkError()
            ordinal += 1
        }
        return response
    }
}

/// A nearby request checked and parsed once: covering, reader, and the cursor format.
struct NearbyPlan {
    let covering: GeoCovering
    let reader: ItemReader
    let latitudeName: String
    let longitudeName: String
    let latitude: Double
    let longitude: Double
    let radiusMeters: Double
    let fingerprint: UInt64

    static let cursorVersion: UInt8 = 1

    init(
        _ request: NearbyRequest, table: TableSchema, index: IndexSchema, geohash: GeohashIndex, now: Number,
        readers: ReaderCache
    ) throws(DynamoError) {
        guard (-90...90).contains(request.latitude), (-180...180).contains(request.longitude) else {
            throw .validation("The centre (\(request.latitude), \(request.longitude)) is out of range (latitude -90...90, longitude -180...180)")
        }
        guard request.radiusKilometers > 0, request.radiusKilometers.isFinite else {
            throw .validation("The radius must be a positive number of kilometres, found \(request.radiusKilometers)")
        }
        guard request.limit >= 1 else { throw .validation("The limit must be at least 1, found \(request.limit)") }
        try NearbyPlan.checkSortCondition(request.sortKeyCondition, index: index)
        radiusMeters = request.radiusKilometers * 1000
        guard let covering = GeoCovering(
            latitude: request.latitude, longitude: request.longitude, radiusMeters: radiusMeters, precision: geohash.precision)
        else {
            throw .validation("The radius \(request.radiusKilometers) km touches too many cells of precision \(geohash.precision)")
        }
        self.covering = covering
        latitudeName = geohash.latitudeAttributeName
        longitudeName = geohash.longitudeAttributeName
        if request.filterExpression == nil && request.expressionAttributeValues == nil {
            // The common shape (a projection, no filter): parsed once per shape (`ReaderCache`).
            reader = try readers.reader(
                ReaderCache.Key(
                    projectionText: request.projectionExpression, names: request.expressionAttributeNames,
                    ttlAttribute: table.ttlAttribute, defaultNames: index.projectedNames, countOnly: false,
                    extraNames: [latitudeName, longitudeName]),
                now: now)
        } else {
            var attributes = try ExpressionAttributes(names: request.expressionAttributeNames, values: request.expressionAttributeValues)
            let filter = try request.filterExpression.map { (text) throws(DynamoError) in
                try ConditionExpression(text, kind: .filter, attributes: &attributes)
            }
            let projection = try request.projectionExpression.map { (text) throws(DynamoError) in
                try ProjectionExpression(text, attributes: &attributes)
            }
            try attributes.checkAllUsed()
            reader = ItemReader(
                projection: projection, filter: filter, ttlAttribute: table.ttlAttribute, now: now, defaultNames: index.projectedNames,
                countOnly: false, extraNames: [latitudeName, longitudeName])
        }
        latitude = request.latitude
        longitude = request.longitude
        var identity: [UInt8] = []
        for value in [request.latitude.bitPattern, request.longitude.bitPattern, request.radiusKilometers.bitPattern] {
            for shift in stride(from: 0, to: 64, by: 8) { identity.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        NearbyPlan.appendIdentity(of: request.sortKeyCondition, to: &identity)
        fingerprint = KeyLayout.stableHash(identity)
    }

    /// Appends a byte identity of the sort condition (its kind and encoded bounds) for the cursor
    /// fingerprint.
    private static func appendIdentity(of condition: SortKeyCondition?, to bytes: inout [UInt8]) {
        let (kind, values): (UInt8, [KeyValue])
        switch condition {
        case nil: (kind, values) = (0, [])
        case .equal(let value)?: (kind, values) = (1, [value])
        case .less(let value)?: (kind, values) = (2, [value])
        case .lessOrEqual(let value)?: (kind, values) = (3, [value])
        case .greater(let value)?: (kind, values) = (4, [value])
        case .greaterOrEqual(let value)?: (kind, values) = (5, [value])
        case .between(let low, let high)?: (kind, values) = (6, [low, high])
        case .beginsWith(let value)?: (kind, values) = (7, [value])
        }
        bytes.append(kind)
        for value in values { KeyEncoding.append(value, to: &bytes) }
    }

    private static func checkSortCondition(_ condition: SortKeyCondition?, index: IndexSchema) throws(DynamoError) {
        guard let condition else { return }
        guard let sortKey = index.key.sortKey else {
            throw .validation("The geohash index \(index.name) has no sort key for a sort condition")
        }
        let values: [KeyValue]
        switch condition {
        case .equal(let value), .less(let value), .lessOrEqual(let value), .greater(let value), .greaterOrEqual(let value),
            .beginsWith(let value):
            values = [value]
        case .between(let low, let high):
            values = [low, high]
            if KeyValue.compare(low, high) > 0 { throw .validation("The BETWEEN bounds are reversed") }
        }
        for value in values where value.type != sortKey.type {
            throw .validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
        }
        if case .beginsWith = condition, sortKey.type == .number {
            throw .validation("begins_with is not supported on a number sort key")
        }
    }

    /// Reads the entry under the iterator into the response: counts it unless expired, and returns
    /// it when it is within the radius and passes the filter.
    func evaluate(_ iterator: borrowing StoreIterator, into response: inout NearbyResponse) throws {
        let item = try iterator.withValue { raw in try reader.decode(raw.assumingMemoryBound(to: UInt8.self)) }
        // The coordinates first: the item is then handed over to the reader, which projects it
        // in place (a shared item would be copied before the extras are removed).
        let coordinates = (item[latitudeName], item[longitudeName])
        let outcome = reader.outcome(consume item)
        if case .expired = outcome { return }
        response.scannedCount += 1
        guard case .item(let projected) = outcome,
            case .number(let itemLatitude)? = coordinates.0, case .number(let itemLongitude)? = coordinates.1
        else { return }
        let distance = GeoDistance.haversineMeters(
            latitude1: latitude, longitude1: longitude, latitude2: itemLatitude.doubleValue, longitude2: itemLongitude.doubleValue)
        if distance <= radiusMeters {
            response.items.append(projected)
            response.count += 1
        }
    }

    /// The cursor after `key` in cell `ordinal`.
    func encode(ordinal: Int, key: [UInt8]) -> NearbyCursor {
        var bytes: [UInt8] = [NearbyPlan.cursorVersion]
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: fingerprint >> UInt64(shift))) }
        bytes.appendVarUInt(ordinal)
        bytes.append(contentsOf: key)
        return NearbyCursor(bytes: bytes)
    }

    /// The cell ordinal and last key of a cursor (0 and nil without one).
    func decode(_ cursor: NearbyCursor?) throws(DynamoError) -> (Int, [UInt8]?) {
        guard let cursor else { return (0, nil) }
        let invalid = DynamoError.validation("The nearby cursor is invalid or belongs to another request")
        let bytes = cursor.bytes
        guard bytes.count >= 10, bytes[0] == NearbyPlan.cursorVersion else { throw invalid }
        var stamp: UInt64 = 0
        for index in 0..<8 { stamp |= UInt64(bytes[1 + index]) << UInt64(8 * index) }
        guard stamp == fingerprint else { throw invalid }
        var ordinal = 0
        var offset = 9
        var shift = 0
        while true {
            guard offset < bytes.count, shift < 63 else { throw invalid }
            let byte = bytes[offset]
            ordinal |= Int(byte & 0x7F) << shift
            offset += 1
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard ordinal < covering.entries.count else { throw invalid }
        return (ordinal, Array(bytes[offset...]))
    }
}

extension ReadTarget {
    /// A target known to be valid (an index of `table`).
    init(table: TableSchema, index: IndexSchema) {
        self.table = table
        self.index = index
    }
}

/// -1, 0 or 1 comparing borrowed bytes with `rhs` as unsigned bytes.
func compareRaw(_ lhs: UnsafeRawBufferPointer, _ rhs: [UInt8]) -> Int {
    rhs.withUnsafeBufferPointer { right in ByteOrder.compareBuffers(lhs.assumingMemoryBound(to: UInt8.self), right) }
}
