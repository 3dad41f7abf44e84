import TernEngine

extension CatalogRecord {
    /// Decodes a record, validating every field.
    ///
    /// - Throws: `TernError` `.unsupportedFormat` for a record (or key encoding, or item codec)
    ///   written by a newer format version, `.corruption` for malformed bytes.
    static func decode(_ bytes: [UInt8]) throws -> Stored {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = ByteReader(buffer, format: "catalog record")
            let stored = try decode(&reader)
            guard reader.isAtEnd else { throw reader.corruption("\(reader.remaining) bytes after the record") }
            return stored
        }
    }

    private static func decode(_ reader: inout ByteReader) throws -> Stored {
        let version = try reader.readByte()
        guard version == formatVersion else {
            throw TernError(.unsupportedFormat, "catalog record version \(version) is not \(formatVersion): written by another Tern version")
        }
        let tableID = try readUInt32(&reader)
        guard tableID >= 1 else { throw reader.corruption("table id 0 is reserved for the catalog") }
        let keyVersion = try reader.readByte()
        let codecVersion = try reader.readByte()
        guard keyVersion == UInt8(KeyEncoding.formatVersion), codecVersion == ItemCodec.formatVersion else {
            throw TernError(.unsupportedFormat, "table uses key encoding \(keyVersion) and item codec \(codecVersion); this build knows \(KeyEncoding.formatVersion) and \(ItemCodec.formatVersion)")
        }
        let name = try readString(&reader)
        let created = try reader.readZigZag()
        let keySchema = try readKeySchema(&reader)
        var definitions: [AttributeDefinition] = []
        for _ in 0..<(try reader.readCount()) {
            let attribute = try readString(&reader)
            let typeByte = try reader.readByte()
            guard let type = ScalarAttributeType(rawValue: String(decoding: [typeByte], as: UTF8.self)) else {
                throw reader.corruption("unknown attribute type \(typeByte)")
            }
            definitions.append(AttributeDefinition(attributeName: attribute, attributeType: type))
        }
        let billingByte = try reader.readByte()
        guard billingByte <= 1 else { throw reader.corruption("unknown billing mode \(billingByte)") }
        let throughput = try readThroughput(&reader)
        var ttl: TimeToLiveSpecification?
        if try readFlag(&reader) {
            ttl = TimeToLiveSpecification(attributeName: try readString(&reader), enabled: try readFlag(&reader))
        }
        var globals: [GlobalSecondaryIndexDescription] = []
        var globalIDs: [UInt8] = []
        for _ in 0..<(try reader.readCount()) {
            globalIDs.append(try readIndexID(&reader))
            globals.append(GlobalSecondaryIndexDescription(
                indexName: try readString(&reader), keySchema: try readKeySchema(&reader),
                projection: try readProjection(&reader), indexStatus: "ACTIVE", provisionedThroughput: try readThroughput(&reader)))
        }
        var locals: [LocalSecondaryIndexDescription] = []
        var localIDs: [UInt8] = []
        for _ in 0..<(try reader.readCount()) {
            localIDs.append(try readIndexID(&reader))
            locals.append(LocalSecondaryIndexDescription(
                indexName: try readString(&reader), keySchema: try readKeySchema(&reader), projection: try readProjection(&reader)))
        }
        let (geohash, geohashID) = try readGeohash(&reader)
        if let geohash {
            globals.append(GlobalSecondaryIndexDescription(
                indexName: geohash.indexName, keySchema: geohash.keySchema, projection: geohash.projection,
                indexStatus: "ACTIVE", provisionedThroughput: nil))
        }
        let description = TableDescription(
            tableName: name, keySchema: keySchema, attributeDefinitions: definitions, tableStatus: .active,
            creationDateTime: created, billingMode: billingByte == 0 ? .provisioned : .payPerRequest,
            provisionedThroughput: throughput, globalSecondaryIndexes: globals.isEmpty ? nil : globals,
            localSecondaryIndexes: locals.isEmpty ? nil : locals, geohashIndex: geohash, timeToLive: ttl, tableID: tableID)
        return Stored(description: description, globalIndexIDs: globalIDs, localIndexIDs: localIDs, geohashIndexID: geohashID)
    }

    private static func readGeohash(_ reader: inout ByteReader) throws -> (GeohashIndex?, UInt8?) {
        guard try readFlag(&reader) else { return (nil, nil) }
        let id = try readIndexID(&reader)
        let name = try readString(&reader)
        let latitude = try readString(&reader)
        let longitude = try readString(&reader)
        let cell = try readString(&reader)
        let sort = try readFlag(&reader) ? try readString(&reader) : nil
        let precision = Int(try reader.readByte())
        guard (1...Geohash.maxPrecision).contains(precision) else { throw reader.corruption("geohash precision \(precision)") }
        let index = GeohashIndex(
            indexName: name, latitudeAttributeName: latitude, longitudeAttributeName: longitude, cellAttributeName: cell,
            sortAttributeName: sort, precision: precision, projection: try readProjection(&reader))
        return (index, id)
    }

    static func readUInt32(_ reader: inout ByteReader) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(try reader.readByte()) }
        return value
    }

    private static func readIndexID(_ reader: inout ByteReader) throws -> UInt8 {
        let id = try reader.readByte()
        guard id >= 1, id < KeyLayout.expiryIndexID else { throw reader.corruption("index id \(id) out of range") }
        return id
    }

    private static func readFlag(_ reader: inout ByteReader) throws -> Bool {
        let byte = try reader.readByte()
        guard byte <= 1 else { throw reader.corruption("flag byte \(byte)") }
        return byte == 1
    }

    private static func readString(_ reader: inout ByteReader) throws -> String {
        try reader.readString(try reader.readCount())
    }

    private static func readKeySchema(_ reader: inout ByteReader) throws -> [KeySchemaElement] {
        let count = try reader.readCount()
        guard (1...2).contains(count) else { throw reader.corruption("key schema of \(count) elements") }
        var schema: [KeySchemaElement] = []
        for position in 0..<count {
            let name = try readString(&reader)
            let type = try reader.readByte()
            guard Int(type) == position else { throw reader.corruption("key schema element \(position) has key type \(type)") }
            schema.append(KeySchemaElement(attributeName: name, keyType: type == 0 ? .hash : .range))
        }
        return schema
    }

    private static func readProjection(_ reader: inout ByteReader) throws -> Projection {
        let typeByte = try reader.readByte()
        let types: [ProjectionType] = [.all, .keysOnly, .include]
        guard Int(typeByte) < types.count else { throw reader.corruption("unknown projection type \(typeByte)") }
        var names: [String] = []
        for _ in 0..<(try reader.readCount()) { names.append(try readString(&reader)) }
        return Projection(projectionType: types[Int(typeByte)], nonKeyAttributes: names)
    }

    private static func readThroughput(_ reader: inout ByteReader) throws -> ProvisionedThroughput? {
        guard try readFlag(&reader) else { return nil }
        let read = try reader.readVarUInt64()
        let write = try reader.readVarUInt64()
        guard read <= UInt64(Int.max), write <= UInt64(Int.max) else { throw reader.corruption("capacity overflows") }
        return ProvisionedThroughput(readCapacityUnits: Int(read), writeCapacityUnits: Int(write))
    }
}
