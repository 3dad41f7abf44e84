/// One table incarnation as the store uses it: the catalog record resolved into key schemas, key
/// prefixes and index layouts, computed once when the catalog is loaded or changed.
///
/// Thread safety: immutable.
final class TableSchema: Sendable {
    let stored: CatalogRecord.Stored
    let name: String
    let id: UInt32
    let key: KeySchema
    /// `[table id][0]`: the prefix of every item key.
    let basePrefix: [UInt8]
    /// The secondary indexes maintained on every write (GSIs, LSIs, the geohash index).
    let indexes: [IndexSchema]
    /// The TTL attribute when TTL is enabled.
    let ttlAttribute: String?
    /// `[table id][255]`: the prefix of the expiry index.
    let expiryPrefix: [UInt8]
    /// The geohash index, if the table has one.
    let geohash: GeohashIndex?
    /// Set when the table is global (it replicates): its record and this store's region.
    let global: GlobalTableState?
    /// `[table id][252]` and `[table id][253]`: a global table's stamps and tombstones.
    let stampPrefix: [UInt8]
    let tombstonePrefix: [UInt8]

    var description: TableDescription {
        var description = stored.description
        if let global {
            description.replicas = global.record.replicaDescriptions
            description.globalTableVersion = TableDescription.globalTableVersion
        }
        return description
    }

    /// The same table, made global (or updated) with `global`.
    func with(global: GlobalTableState?) -> TableSchema {
        TableSchema(stored, global: global)
    }

    init(_ stored: CatalogRecord.Stored, global: GlobalTableState? = nil) {
        let table = stored.description
        let types = Dictionary(table.attributeDefinitions.map { ($0.attributeName, $0.attributeType) }, uniquingKeysWith: { first, _ in first })
        func schema(_ elements: [KeySchemaElement]) -> KeySchema {
            let partition = KeySchema.Attribute(name: elements[0].attributeName, type: types[elements[0].attributeName] ?? .string)
            let sort = elements.count > 1
                ? KeySchema.Attribute(name: elements[1].attributeName, type: types[elements[1].attributeName] ?? .string) : nil
            return KeySchema(partitionKey: partition, sortKey: sort)
        }
        self.stored = stored
        self.name = table.tableName
        self.id = table.tableID
        self.key = schema(table.keySchema)
        self.basePrefix = KeyLayout.prefix(table: table.tableID, index: KeyLayout.baseIndexID)
        self.expiryPrefix = KeyLayout.prefix(table: table.tableID, index: KeyLayout.expiryIndexID)
        self.stampPrefix = KeyLayout.prefix(table: table.tableID, index: KeyLayout.stampIndexID)
        self.tombstonePrefix = KeyLayout.prefix(table: table.tableID, index: KeyLayout.tombstoneIndexID)
        self.global = global
        self.ttlAttribute = table.timeToLive.flatMap { $0.enabled ? $0.attributeName : nil }
        self.geohash = table.geohashIndex
        var forced: Set<String> = []
        if let ttlAttribute { forced.insert(ttlAttribute) }
        var indexes: [IndexSchema] = []
        let globals = (table.globalSecondaryIndexes ?? []).filter { $0.indexName != table.geohashIndex?.indexName }
        for (index, id) in zip(globals, stored.globalIndexIDs) {
            indexes.append(IndexSchema(
                name: index.indexName, id: id, kind: .global, key: schema(index.keySchema), tableKey: key,
                projection: index.projection, tableID: table.tableID, forced: forced))
        }
        for (index, id) in zip(table.localSecondaryIndexes ?? [], stored.localIndexIDs) {
            indexes.append(IndexSchema(
                name: index.indexName, id: id, kind: .local, key: schema(index.keySchema), tableKey: key,
                projection: index.projection, tableID: table.tableID, forced: forced))
        }
        if let geohash = table.geohashIndex, let id = stored.geohashIndexID {
            indexes.append(IndexSchema(
                name: geohash.indexName, id: id, kind: .geohash, key: schema(geohash.keySchema), tableKey: key,
                projection: geohash.projection, tableID: table.tableID,
                forced: forced.union([geohash.latitudeAttributeName, geohash.longitudeAttributeName])))
        }
        self.indexes = indexes
    }

    /// The index called `name`, or nil.
    func index(named name: String) -> IndexSchema? {
        indexes.first { $0.name == name }
    }

    /// The geohash index's layout.
    var geohashIndex: IndexSchema? {
        indexes.first { $0.kind == .geohash }
    }

    /// The engine key of the item with `key`.
    func itemKey(_ key: PrimaryKey) -> [UInt8] {
        var bytes = basePrefix
        KeyEncoding.append(key.partition, to: &bytes)
        if let sort = key.sort { KeyEncoding.append(sort, to: &bytes) }
        return bytes
    }
}

/// What a global table's schema knows about its replication.
struct GlobalTableState: Sendable {
    var record: GlobalTableRecord
    /// This store's region: the origin of its local writes.
    var localRegion: RegionID
}

/// A secondary index's layout and projection.
struct IndexSchema: Sendable {
    enum Kind: Sendable { case global, local, geohash }

    let name: String
    let id: UInt8
    let kind: Kind
    /// The index's own key (for an LSI, the table's partition key and the index's sort key).
    let key: KeySchema
    /// The table's key: every entry ends with it.
    let tableKey: KeySchema
    let projectionType: ProjectionType
    /// `[table id][index id]`.
    let prefix: [UInt8]
    /// What a query returns by default (`ALL_PROJECTED_ATTRIBUTES`); nil means the whole item.
    let projectedNames: Set<String>?
    /// What an entry stores: the projection plus attributes reads need (the TTL attribute, the
    /// coordinates of a geohash index); nil means the whole item.
    let storedNames: Set<String>?

    init(
        name: String, id: UInt8, kind: Kind, key: KeySchema, tableKey: KeySchema, projection: Projection,
        tableID: UInt32, forced: Set<String>
    ) {
        self.name = name
        self.id = id
        self.kind = kind
        self.key = key
        self.tableKey = tableKey
        self.projectionType = projection.projectionType
        self.prefix = KeyLayout.prefix(table: tableID, index: id)
        switch projection.projectionType {
        case .all:
            projectedNames = nil
            storedNames = nil
        case .keysOnly, .include:
            let projected = Set(key.attributeNames + tableKey.attributeNames + projection.nonKeyAttributes)
            projectedNames = projected
            storedNames = projected.union(forced)
        }
    }

    /// The attribute names of an index `LastEvaluatedKey`: the index keys and the table keys.
    var positionNames: [String] {
        var names = key.attributeNames
        for name in tableKey.attributeNames where !names.contains(name) { names.append(name) }
        return names
    }
}
