import TernEngine

/// Index maintenance: what one item contributes to the engine's key space (its base entry, one
/// entry per secondary index it belongs to, its expiry entry) and the batch operations that turn
/// an old item into a new one.
extension TableSchema {
    /// Validates `item` as a stored item and completes it: checks every value and the 400 KB
    /// limit, the table key, every secondary index key it carries (rule 49: present but of the
    /// wrong type or empty is an error; absent means "not in that index"), and derives the
    /// geohash cell attribute from the coordinates.
    ///
    /// - Returns: the item's primary key.
    /// - Throws: `ValidationException`; nothing has been written.
    func prepareForWrite(_ item: inout Item) throws(DynamoError) -> PrimaryKey {
        let primaryKey = try key.primaryKey(ofItem: item)
        if let geohash { try deriveCell(&item, geohash) }
        try AttributeValue.validate(item: item)
        for index in indexes { try checkIndexKey(item, index) }
        return primaryKey
    }

    private func checkIndexKey(_ item: Item, _ index: IndexSchema) throws(DynamoError) {
        for (attribute, limit) in [(index.key.partitionKey, KeySchema.maxPartitionKeyBytes), (index.key.sortKey, KeySchema.maxSortKeyBytes)] {
            guard let attribute, let value = item[attribute.name] else { continue }
            guard value.type == attribute.type.attributeType, let keyValue = KeyValue(value) else {
                throw .validation(
                    "One or more parameter values were invalid: Type mismatch for Index Key \(attribute.name) Expected: \(attribute.type.rawValue) Actual: \(value.type.rawValue) IndexName: \(index.name)")
            }
            let isEmpty: Bool
            switch keyValue {
            case .string(let string): isEmpty = string.utf8.isEmpty
            case .binary(let bytes): isEmpty = bytes.isEmpty
            case .number: isEmpty = false
            }
            if isEmpty {
                throw .validation(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty \(attribute.type == .string ? "string" : "binary") value. IndexName: \(index.name), IndexKey: \(attribute.name)")
            }
            if keyValue.sizeBytes > limit {
                throw .validation("One or more parameter values were invalid: Index key \(attribute.name) of index \(index.name) exceeds \(limit) bytes")
            }
        }
    }

    /// Sets the cell attribute from the coordinates, or removes it when the item has none.
    private func deriveCell(_ item: inout Item, _ geohash: GeohashIndex) throws(DynamoError) {
        let latitude = item[geohash.latitudeAttributeName]
        let longitude = item[geohash.longitudeAttributeName]
        guard let latitude, let longitude else {
            item[geohash.cellAttributeName] = nil
            return
        }
        guard case .number(let latitudeNumber) = latitude, case .number(let longitudeNumber) = longitude else {
            let (name, value) = latitude.type != .number
                ? (geohash.latitudeAttributeName, latitude) : (geohash.longitudeAttributeName, longitude)
            throw .validation(
                "One or more parameter values were invalid: Type mismatch for Index Key \(name) Expected: N Actual: \(value.type.rawValue) IndexName: \(geohash.indexName)")
        }
        let degreesLatitude = latitudeNumber.doubleValue
        let degreesLongitude = longitudeNumber.doubleValue
        guard (-90...90).contains(degreesLatitude), (-180...180).contains(degreesLongitude) else {
            throw .validation(
                "One or more parameter values were invalid: coordinates (\(latitudeNumber), \(longitudeNumber)) out of range (latitude -90...90, longitude -180...180) IndexName: \(geohash.indexName)")
        }
        item[geohash.cellAttributeName] = .string(
            Geohash.encode(latitude: degreesLatitude, longitude: degreesLongitude, precision: geohash.precision))
    }

    /// The encoded table key `[partition][sort]`, without the prefix.
    func keySuffix(_ primaryKey: PrimaryKey) -> [UInt8] {
        var bytes: [UInt8] = []
        KeyEncoding.append(primaryKey.partition, to: &bytes)
        if let sort = primaryKey.sort { KeyEncoding.append(sort, to: &bytes) }
        return bytes
    }

    /// The key of `item`'s entry in `index`, or nil when the item lacks an index key attribute
    /// (indexes are sparse).
    func indexEntryKey(_ index: IndexSchema, of item: Item, suffix: [UInt8]) -> [UInt8]? {
        guard let hash = item[index.key.partitionKey.name].flatMap(KeyValue.init) else { return nil }
        var entryKey = index.prefix
        KeyEncoding.append(hash, to: &entryKey)
        if let sortAttribute = index.key.sortKey {
            guard let sort = item[sortAttribute.name].flatMap(KeyValue.init) else { return nil }
            KeyEncoding.append(sort, to: &entryKey)
        }
        entryKey.append(contentsOf: suffix)
        return entryKey
    }

    /// The key of `item`'s expiry entry, or nil when TTL is off or the item carries no expiry.
    func expiryEntryKey(of item: Item, suffix: [UInt8]) -> [UInt8]? {
        guard let ttlAttribute, case .number(let expiry)? = item[ttlAttribute] else { return nil }
        var entryKey = expiryPrefix
        KeyEncoding.append(.number(expiry), to: &entryKey)
        entryKey.append(contentsOf: suffix)
        return entryKey
    }

    /// The engine keys (and values) an item owns besides its base entry. REQUIRES: the item passed
    /// `prepareForWrite` (or was stored after passing it).
    func derivedEntries(of item: Item, suffix: [UInt8]) -> [(key: [UInt8], value: [UInt8])] {
        let encoded = ItemCodec.Encoded(item)
        var entries: [(key: [UInt8], value: [UInt8])] = []
        for index in indexes {
            guard let entryKey = indexEntryKey(index, of: item, suffix: suffix) else { continue }
            entries.append((entryKey, encoded.restricted(to: index.storedNames)))
        }
        if let entryKey = expiryEntryKey(of: item, suffix: suffix) { entries.append((entryKey, [])) }
        return entries
    }

    /// Appends to `batch` the operations that replace `old` (the stored item, expired or not; nil
    /// when absent) by `new` (nil to delete) under `primaryKey`: the base entry, and every index
    /// and expiry entry that appears, moves, changes or disappears. The new item is encoded once
    /// (index values are cut out of its encoding); an index entry whose key and stored attributes
    /// are the same in `old` and `new` is left alone, so an update of an attribute no index holds
    /// writes one entry. REQUIRES: `old` is the stored item, whose derived entries this schema wrote.
    func appendWrite(old: Item?, new: Item?, primaryKey: PrimaryKey, to batch: inout WriteBatch) {
        let suffix = keySuffix(primaryKey)
        var itemKey = basePrefix
        itemKey.append(contentsOf: suffix)
        let encoded = new.map(ItemCodec.Encoded.init)
        if let encoded { batch.put(itemKey, encoded.bytes) } else { batch.delete(itemKey) }
        for index in indexes {
            let oldKey = old.flatMap { indexEntryKey(index, of: $0, suffix: suffix) }
            let newKey = new.flatMap { indexEntryKey(index, of: $0, suffix: suffix) }
            if let oldKey, oldKey != newKey { batch.delete(oldKey) }
            guard let newKey, let new, let encoded else { continue }
            if let old, oldKey == newKey, Self.sameAttributes(old, new, index.storedNames) { continue }
            batch.put(newKey, encoded.restricted(to: index.storedNames))
        }
        let oldExpiry = old.flatMap { expiryEntryKey(of: $0, suffix: suffix) }
        let newExpiry = new.flatMap { expiryEntryKey(of: $0, suffix: suffix) }
        if let oldExpiry, oldExpiry != newExpiry { batch.delete(oldExpiry) }
        if let newExpiry, newExpiry != oldExpiry { batch.put(newExpiry, []) }
    }

    /// True when `a` and `b` hold values that encode to the same bytes under every name in `names`
    /// (an index entry built from either is then the same). With `names` nil (ALL projection) the
    /// whole item is the entry's value: answers false rather than compare whole items, since an
    /// update that changes nothing is rare.
    ///
    /// `==` decides, except inside maps: unequal values never encode alike, and equal ones do
    /// (numbers are canonical, sets are sorted when encoded), but map keys compare as Swift
    /// strings, which equate canonically equivalent Unicode with different bytes; values holding
    /// a map are compared by their encodings.
    private static func sameAttributes(_ a: Item, _ b: Item, _ names: Set<String>?) -> Bool {
        guard let names else { return false }
        for name in names {
            switch (a[name], b[name]) {
            case (nil, nil): continue
            case (let valueA?, let valueB?):
                guard valueA == valueB else { return false }
                if valueA.holdsMap {
                    var bytesA: [UInt8] = []
                    var bytesB: [UInt8] = []
                    ItemCodec.appendValue(valueA, to: &bytesA)
                    ItemCodec.appendValue(valueB, to: &bytesB)
                    if bytesA != bytesB { return false }
                }
            default: return false
            }
        }
        return true
    }

    /// True when `item` carries a TTL attribute (N, epoch seconds) strictly before `now`.
    func isExpired(_ item: Item, now: Number) -> Bool {
        guard let ttlAttribute, case .number(let expiry)? = item[ttlAttribute] else { return false }
        return expiry < now
    }
}

extension AttributeValue {
    /// Whether the value is a map or a list holding one, at any depth.
    fileprivate var holdsMap: Bool {
        switch self {
        case .map: return true
        case .list(let elements): return elements.contains { $0.holdsMap }
        default: return false
        }
    }
}
