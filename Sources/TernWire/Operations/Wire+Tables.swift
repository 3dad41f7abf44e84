import TernTables

// CreateTable, DeleteTable, DescribeTable, ListTables, UpdateTimeToLive, DescribeTimeToLive, and
// the TableDescription they carry, in DynamoDB JSON. Tern's extensions to CreateTable
// (`GeohashIndex`, `TimeToLiveSpecification`) travel as extra members that DynamoDB itself
// would ignore.

extension WireObject {
    func keySchema(_ name: String = "KeySchema") throws(WireError) -> [KeySchemaElement]? {
        try objects(name).map { (elements) throws(WireError) in
            var schema: [KeySchemaElement] = []
            for element in elements {
                guard let type = try element.enumeration("KeyType", KeyType.self) else {
                    throw WireError.missing(element.memberPath("KeyType"))
                }
                schema.append(KeySchemaElement(attributeName: try element.requiredString("AttributeName"), keyType: type))
            }
            return schema
        }
    }

    func projection() throws(WireError) -> Projection? {
        guard let object = try object("Projection") else { return nil }
        return Projection(
            projectionType: try object.enumeration("ProjectionType", ProjectionType.self) ?? .all,
            nonKeyAttributes: try object.strings("NonKeyAttributes") ?? [])
    }

    func throughput() throws(WireError) -> ProvisionedThroughput? {
        guard let object = try object("ProvisionedThroughput") else { return nil }
        return ProvisionedThroughput(
            readCapacityUnits: try object.int("ReadCapacityUnits") ?? 0,
            writeCapacityUnits: try object.int("WriteCapacityUnits") ?? 0)
    }

    func timeToLive(_ name: String) throws(WireError) -> TimeToLiveSpecification? {
        guard let object = try object(name) else { return nil }
        guard let enabled = try object.bool("Enabled") else { throw WireError.missing(object.memberPath("Enabled")) }
        return TimeToLiveSpecification(attributeName: try object.requiredString("AttributeName"), enabled: enabled)
    }

    func geohashIndex() throws(WireError) -> GeohashIndex? {
        guard let object = try object("GeohashIndex") else { return nil }
        return GeohashIndex(
            indexName: try object.requiredString("IndexName"),
            latitudeAttributeName: try object.string("LatitudeAttributeName") ?? "lat",
            longitudeAttributeName: try object.string("LongitudeAttributeName") ?? "lon",
            cellAttributeName: try object.string("CellAttributeName") ?? "geohash",
            sortAttributeName: try object.string("SortAttributeName"),
            precision: try object.int("Precision") ?? GeohashIndex.defaultPrecision,
            projection: try object.projection() ?? .all)
    }
}

extension JSONWriter {
    mutating func keySchema(_ schema: [KeySchemaElement]) {
        beginArray()
        for element in schema {
            beginObject()
            member("AttributeName", element.attributeName)
            member("KeyType", element.keyType.rawValue)
            endObject()
        }
        endArray()
    }

    mutating func projection(_ projection: Projection) {
        key("Projection")
        beginObject()
        member("ProjectionType", projection.projectionType.rawValue)
        if !projection.nonKeyAttributes.isEmpty { member("NonKeyAttributes", strings: projection.nonKeyAttributes) }
        endObject()
    }

    mutating func throughput(_ throughput: ProvisionedThroughput?, describing: Bool) {
        guard let throughput else { return }
        key("ProvisionedThroughput")
        beginObject()
        member("ReadCapacityUnits", throughput.readCapacityUnits)
        member("WriteCapacityUnits", throughput.writeCapacityUnits)
        if describing { member("NumberOfDecreasesToday", 0) }
        endObject()
    }

    mutating func timeToLive(_ name: String, _ specification: TimeToLiveSpecification?) {
        guard let specification else { return }
        key(name)
        beginObject()
        member("AttributeName", specification.attributeName)
        member("Enabled", specification.enabled)
        endObject()
    }

    mutating func geohashIndex(_ index: GeohashIndex?) {
        guard let index else { return }
        key("GeohashIndex")
        beginObject()
        member("IndexName", index.indexName)
        member("LatitudeAttributeName", index.latitudeAttributeName)
        member("LongitudeAttributeName", index.longitudeAttributeName)
        member("CellAttributeName", index.cellAttributeName)
        member("SortAttributeName", index.sortAttributeName)
        member("Precision", index.precision)
        projection(index.projection)
        endObject()
    }
}

extension CreateTableRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let keySchema = try object.keySchema() else { throw WireError.missing("keySchema") }
        var definitions: [AttributeDefinition] = []
        for (index, definition) in (try object.objects("AttributeDefinitions") ?? []).enumerated() {
            let text = try definition.requiredString("AttributeType")
            let type: ScalarAttributeType
            do {
                type = try ScalarAttributeType(parsing: text, position: index + 1)
            } catch {
                throw WireError(error)
            }
            definitions.append(AttributeDefinition(attributeName: try definition.requiredString("AttributeName"), attributeType: type))
        }
        var globalIndexes: [GlobalSecondaryIndex] = []
        for index in try object.objects("GlobalSecondaryIndexes") ?? [] {
            globalIndexes.append(GlobalSecondaryIndex(
                indexName: try index.requiredString("IndexName"), keySchema: try index.keySchema() ?? [],
                projection: try index.projection() ?? .all, provisionedThroughput: try index.throughput()))
        }
        var localIndexes: [LocalSecondaryIndex] = []
        for index in try object.objects("LocalSecondaryIndexes") ?? [] {
            localIndexes.append(LocalSecondaryIndex(
                indexName: try index.requiredString("IndexName"), keySchema: try index.keySchema() ?? [],
                projection: try index.projection() ?? .all))
        }
        self.init(
            tableName: try object.requiredString("TableName"), keySchema: keySchema, attributeDefinitions: definitions,
            billingMode: try object.enumeration("BillingMode", BillingMode.self),
            provisionedThroughput: try object.throughput(), globalSecondaryIndexes: globalIndexes,
            localSecondaryIndexes: localIndexes, geohashIndex: try object.geohashIndex(),
            timeToLiveSpecification: try object.timeToLive("TimeToLiveSpecification"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.key("KeySchema")
        writer.keySchema(keySchema)
        writer.key("AttributeDefinitions")
        writer.attributeDefinitions(attributeDefinitions)
        writer.member("BillingMode", billingMode?.rawValue)
        writer.throughput(provisionedThroughput, describing: false)
        if !globalSecondaryIndexes.isEmpty {
            writer.key("GlobalSecondaryIndexes")
            writer.beginArray()
            for index in globalSecondaryIndexes {
                writer.beginObject()
                writer.member("IndexName", index.indexName)
                writer.key("KeySchema")
                writer.keySchema(index.keySchema)
                writer.projection(index.projection)
                writer.throughput(index.provisionedThroughput, describing: false)
                writer.endObject()
            }
            writer.endArray()
        }
        if !localSecondaryIndexes.isEmpty {
            writer.key("LocalSecondaryIndexes")
            writer.beginArray()
            for index in localSecondaryIndexes {
                writer.beginObject()
                writer.member("IndexName", index.indexName)
                writer.key("KeySchema")
                writer.keySchema(index.keySchema)
                writer.projection(index.projection)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.geohashIndex(geohashIndex)
        writer.timeToLive("TimeToLiveSpecification", timeToLiveSpecification)
        writer.endObject()
    }
}

extension JSONWriter {
    mutating func attributeDefinitions(_ definitions: [AttributeDefinition]) {
        beginArray()
        for definition in definitions {
            beginObject()
            member("AttributeName", definition.attributeName)
            member("AttributeType", definition.attributeType.rawValue)
            endObject()
        }
        endArray()
    }
}

extension TableDescription: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        var definitions: [AttributeDefinition] = []
        for definition in try object.objects("AttributeDefinitions") ?? [] {
            guard let type = try definition.enumeration("AttributeType", ScalarAttributeType.self) else {
                throw WireError.missing(definition.memberPath("AttributeType"))
            }
            definitions.append(AttributeDefinition(attributeName: try definition.requiredString("AttributeName"), attributeType: type))
        }
        let globalIndexes = try object.objects("GlobalSecondaryIndexes").map { (indexes) throws(WireError) in
            var result: [GlobalSecondaryIndexDescription] = []
            for index in indexes {
                result.append(GlobalSecondaryIndexDescription(
                    indexName: try index.requiredString("IndexName"), keySchema: try index.keySchema() ?? [],
                    projection: try index.projection() ?? .all, indexStatus: try index.string("IndexStatus") ?? "ACTIVE",
                    provisionedThroughput: try index.throughput()))
            }
            return result
        }
        let localIndexes = try object.objects("LocalSecondaryIndexes").map { (indexes) throws(WireError) in
            var result: [LocalSecondaryIndexDescription] = []
            for index in indexes {
                result.append(LocalSecondaryIndexDescription(
                    indexName: try index.requiredString("IndexName"), keySchema: try index.keySchema() ?? [],
                    projection: try index.projection() ?? .all))
            }
            return result
        }
        let billing = try object.object("BillingModeSummary")?.enumeration("BillingMode", BillingMode.self)
        let created = try object["CreationDateTime"].map { (json) throws(WireError) -> Int64 in
            guard case .number(let text) = json, let seconds = Double(text) else {
                throw WireDecoding.typeError(json, expected: "a timestamp", at: "creationDateTime")
            }
            return Int64(seconds)
        }
        self.init(
            tableName: try object.requiredString("TableName"), keySchema: try object.keySchema() ?? [],
            attributeDefinitions: definitions,
            tableStatus: try object.enumeration("TableStatus", TableStatus.self) ?? .active,
            creationDateTime: created ?? 0, billingMode: billing ?? .provisioned,
            provisionedThroughput: try object.throughput(), globalSecondaryIndexes: globalIndexes,
            localSecondaryIndexes: localIndexes, geohashIndex: try object.geohashIndex(),
            timeToLive: try object.timeToLive("TimeToLiveSpecification"))
        replicas = try object.replicas()
        globalTableVersion = try object.string("GlobalTableVersion")
    }

    public func encode(to writer: inout JSONWriter) {
        let arn = "arn:aws:dynamodb:\(writer.region):000000000000:table/\(tableName)"
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.member("TableArn", arn)
        writer.member("TableId", "\(tableID)")
        writer.key("KeySchema")
        writer.keySchema(keySchema)
        writer.key("AttributeDefinitions")
        writer.attributeDefinitions(attributeDefinitions)
        writer.member("TableStatus", tableStatus.rawValue)
        writer.member("CreationDateTime", Int(creationDateTime))
        writer.key("BillingModeSummary")
        writer.beginObject()
        writer.member("BillingMode", billingMode.rawValue)
        writer.endObject()
        writer.throughput(provisionedThroughput ?? ProvisionedThroughput(readCapacityUnits: 0, writeCapacityUnits: 0), describing: true)
        writer.member("TableSizeBytes", 0)
        writer.member("ItemCount", 0)
        if let globalSecondaryIndexes, !globalSecondaryIndexes.isEmpty {
            writer.key("GlobalSecondaryIndexes")
            writer.beginArray()
            for index in globalSecondaryIndexes {
                writer.beginObject()
                writer.member("IndexName", index.indexName)
                writer.member("IndexArn", "\(arn)/index/\(index.indexName)")
                writer.key("KeySchema")
                writer.keySchema(index.keySchema)
                writer.projection(index.projection)
                writer.member("IndexStatus", index.indexStatus)
                writer.throughput(
                    index.provisionedThroughput ?? ProvisionedThroughput(readCapacityUnits: 0, writeCapacityUnits: 0), describing: true)
                writer.member("IndexSizeBytes", 0)
                writer.member("ItemCount", 0)
                writer.endObject()
            }
            writer.endArray()
        }
        if let localSecondaryIndexes, !localSecondaryIndexes.isEmpty {
            writer.key("LocalSecondaryIndexes")
            writer.beginArray()
            for index in localSecondaryIndexes {
                writer.beginObject()
                writer.member("IndexName", index.indexName)
                writer.member("IndexArn", "\(arn)/index/\(index.indexName)")
                writer.key("KeySchema")
                writer.keySchema(index.keySchema)
                writer.projection(index.projection)
                writer.member("IndexSizeBytes", 0)
                writer.member("ItemCount", 0)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.geohashIndex(geohashIndex)
        writer.timeToLive("TimeToLiveSpecification", timeToLive)
        writer.replicas(replicas, version: globalTableVersion)
        writer.endObject()
    }
}

extension CreateTableResponse: TableDescriptionResponse {}

extension DeleteTableRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableName: try object.requiredString("TableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.endObject()
    }
}

extension DeleteTableResponse: TableDescriptionResponse {}

extension DescribeTableRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableName: try object.requiredString("TableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.endObject()
    }
}

extension DescribeTableResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(table: try TableDescription(wire: object.requiredObject("Table")))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Table")
        table.encode(to: &writer)
        writer.endObject()
    }
}

extension ListTablesRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(limit: try object.int("Limit"), exclusiveStartTableName: try object.string("ExclusiveStartTableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("Limit", limit)
        writer.member("ExclusiveStartTableName", exclusiveStartTableName)
        writer.endObject()
    }
}

extension ListTablesResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(
            tableNames: try object.strings("TableNames") ?? [],
            lastEvaluatedTableName: try object.string("LastEvaluatedTableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableNames", strings: tableNames)
        writer.member("LastEvaluatedTableName", lastEvaluatedTableName)
        writer.endObject()
    }
}

extension UpdateTimeToLiveRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let specification = try object.timeToLive("TimeToLiveSpecification") else {
            throw WireError.missing("timeToLiveSpecification")
        }
        self.init(tableName: try object.requiredString("TableName"), timeToLiveSpecification: specification)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.timeToLive("TimeToLiveSpecification", timeToLiveSpecification)
        writer.endObject()
    }
}

extension UpdateTimeToLiveResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let specification = try object.timeToLive("TimeToLiveSpecification") else {
            throw WireError.missing("timeToLiveSpecification")
        }
        self.init(timeToLiveSpecification: specification)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.timeToLive("TimeToLiveSpecification", timeToLiveSpecification)
        writer.endObject()
    }
}

extension DescribeTimeToLiveRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableName: try object.requiredString("TableName"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.endObject()
    }
}

/// DescribeTimeToLive's response: `TimeToLiveDescription` with `TimeToLiveStatus` `ENABLED` or
/// `DISABLED` and, when one is set, the attribute name.
extension DescribeTimeToLiveResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let description = try object.object("TimeToLiveDescription"),
            let name = try description.string("AttributeName")
        else {
            self.init(timeToLiveSpecification: nil)
            return
        }
        let status = try description.string("TimeToLiveStatus")
        self.init(timeToLiveSpecification: TimeToLiveSpecification(
            attributeName: name, enabled: status == "ENABLED" || status == "ENABLING"))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TimeToLiveDescription")
        writer.beginObject()
        writer.member("TimeToLiveStatus", timeToLiveSpecification?.enabled == true ? "ENABLED" : "DISABLED")
        writer.member("AttributeName", timeToLiveSpecification?.attributeName)
        writer.endObject()
        writer.endObject()
    }
}

/// A response that is `{"TableDescription": ...}` and nothing else (CreateTable, DeleteTable,
/// UpdateTable): one codec for all of them.
protocol TableDescriptionResponse: WireCodable {
    init(tableDescription: TableDescription)
    var tableDescription: TableDescription { get }
}

extension TableDescriptionResponse {
    public init(wire object: WireObject) throws(WireError) {
        self.init(tableDescription: try TableDescription(wire: object.requiredObject("TableDescription")))
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TableDescription")
        tableDescription.encode(to: &writer)
        writer.endObject()
    }
}
