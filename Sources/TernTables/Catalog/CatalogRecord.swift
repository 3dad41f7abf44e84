import TernEngine

/// The stored form of one table's definition in the catalog (see `docs/tables.md`, "Catalog
/// format"): a versioned, self-describing byte record, decoded with full validation.
///
/// ```
/// record       = %x01 table-id key-version codec-version name created key-schema definitions
///                billing throughput ttl gsi-count *gsi lsi-count *lsi geo
/// table-id     = 4OCTET                      ; big-endian, ≥ 1
/// key-version  = OCTET                       ; KeyEncoding.formatVersion when written
/// codec-version= OCTET                       ; ItemCodec.formatVersion when written
/// created      = zigzag-varint               ; epoch seconds
/// key-schema   = varint *(string key-type)   ; key-type %x00 HASH / %x01 RANGE
/// definitions  = varint *(string type)       ; type 'S' / 'N' / 'B' (ASCII)
/// billing      = %x00 PROVISIONED / %x01 PAY_PER_REQUEST
/// throughput   = %x00 / %x01 varint varint   ; read, write capacity units
/// ttl          = %x00 / %x01 string enabled  ; enabled %x00 / %x01
/// gsi          = index-id string key-schema projection throughput
/// lsi          = index-id string key-schema projection
/// geo          = %x00 / %x01 index-id string(name) string(lat) string(lon) string(cell)
///                (%x00 / %x01 string(sort)) precision projection
/// projection   = type varint *string         ; type %x00 ALL / %x01 KEYS_ONLY / %x02 INCLUDE
/// string       = varint length *OCTET        ; UTF-8
/// ```
enum CatalogRecord {
    /// The version byte every record starts with. Bump it on any change to the bytes.
    static let formatVersion: UInt8 = 1

    /// A table definition with the index ids the store assigned.
    struct Stored: Sendable, Hashable {
        var description: TableDescription
        var globalIndexIDs: [UInt8]
        var localIndexIDs: [UInt8]
        var geohashIndexID: UInt8?
    }

    static func encode(_ stored: Stored) -> [UInt8] {
        let table = stored.description
        var bytes: [UInt8] = [formatVersion]
        appendUInt32(table.tableID, to: &bytes)
        bytes.append(UInt8(KeyEncoding.formatVersion))
        bytes.append(ItemCodec.formatVersion)
        ItemCodec.appendString(table.tableName, to: &bytes)
        bytes.appendZigZag(table.creationDateTime)
        appendKeySchema(table.keySchema, to: &bytes)
        bytes.appendVarUInt(table.attributeDefinitions.count)
        for definition in table.attributeDefinitions {
            ItemCodec.appendString(definition.attributeName, to: &bytes)
            bytes.append(definition.attributeType.rawValue.utf8.first!)
        }
        bytes.append(table.billingMode == .provisioned ? 0 : 1)
        appendThroughput(table.provisionedThroughput, to: &bytes)
        if let ttl = table.timeToLive {
            bytes.append(1)
            ItemCodec.appendString(ttl.attributeName, to: &bytes)
            bytes.append(ttl.enabled ? 1 : 0)
        } else {
            bytes.append(0)
        }
        let geohashName = table.geohashIndex?.indexName
        let globals = (table.globalSecondaryIndexes ?? []).filter { $0.indexName != geohashName }
        bytes.appendVarUInt(globals.count)
        for (index, id) in zip(globals, stored.globalIndexIDs) {
            bytes.append(id)
            ItemCodec.appendString(index.indexName, to: &bytes)
            appendKeySchema(index.keySchema, to: &bytes)
            appendProjection(index.projection, to: &bytes)
            appendThroughput(index.provisionedThroughput, to: &bytes)
        }
        let locals = table.localSecondaryIndexes ?? []
        bytes.appendVarUInt(locals.count)
        for (index, id) in zip(locals, stored.localIndexIDs) {
            bytes.append(id)
            ItemCodec.appendString(index.indexName, to: &bytes)
            appendKeySchema(index.keySchema, to: &bytes)
            appendProjection(index.projection, to: &bytes)
        }
        appendGeohash(table.geohashIndex, id: stored.geohashIndexID, to: &bytes)
        return bytes
    }

    private static func appendGeohash(_ geohash: GeohashIndex?, id: UInt8?, to bytes: inout [UInt8]) {
        guard let geohash, let id else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        bytes.append(id)
        for name in [geohash.indexName, geohash.latitudeAttributeName, geohash.longitudeAttributeName, geohash.cellAttributeName] {
            ItemCodec.appendString(name, to: &bytes)
        }
        if let sort = geohash.sortAttributeName {
            bytes.append(1)
            ItemCodec.appendString(sort, to: &bytes)
        } else {
            bytes.append(0)
        }
        bytes.append(UInt8(geohash.precision))
        appendProjection(geohash.projection, to: &bytes)
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func appendKeySchema(_ schema: [KeySchemaElement], to bytes: inout [UInt8]) {
        bytes.appendVarUInt(schema.count)
        for element in schema {
            ItemCodec.appendString(element.attributeName, to: &bytes)
            bytes.append(element.keyType == .hash ? 0 : 1)
        }
    }

    private static func appendProjection(_ projection: Projection, to bytes: inout [UInt8]) {
        switch projection.projectionType {
        case .all: bytes.append(0)
        case .keysOnly: bytes.append(1)
        case .include: bytes.append(2)
        }
        bytes.appendVarUInt(projection.nonKeyAttributes.count)
        for name in projection.nonKeyAttributes { ItemCodec.appendString(name, to: &bytes) }
    }

    private static func appendThroughput(_ throughput: ProvisionedThroughput?, to bytes: inout [UInt8]) {
        guard let throughput else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        bytes.appendVarUInt(throughput.readCapacityUnits)
        bytes.appendVarUInt(throughput.writeCapacityUnits)
    }
}
