/// CreateTable's validation (rule 3 and DynamoDB's other CreateTable checks), turning a request
/// into the catalog record the store persists.
enum TableValidation {
    static let maxGlobalIndexes = 20
    static let maxLocalIndexes = 5
    static let maxProjectedAttributes = 100

    /// Checks `request` and assigns index ids (GSIs from 1, then LSIs, then the geohash index).
    static func validate(_ request: CreateTableRequest, tableID: UInt32, now: Int64) throws(DynamoError) -> CatalogRecord.Stored {
        try checkName(request.tableName, parameter: "tableName")
        let tableKey = try checkKeySchema(request.keySchema, context: "")
        let definitions = try checkDefinitions(request.attributeDefinitions)
        var usedKeys = tableKey.map(\.attributeName)
        var indexNames: Set<String> = []
        func claim(_ name: String) throws(DynamoError) {
            try checkName(name, parameter: "indexName")
            guard indexNames.insert(name).inserted else { throw .validation("One or more parameter values were invalid: Duplicate index name: \(name)") }
        }
        guard request.globalSecondaryIndexes.count + (request.geohashIndex == nil ? 0 : 1) <= maxGlobalIndexes else {
            throw .validation("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of \(maxGlobalIndexes)")
        }
        for index in request.globalSecondaryIndexes {
            try claim(index.indexName)
            let schema = try checkKeySchema(index.keySchema, context: "Index ")
            try checkProjection(index.projection, indexName: index.indexName)
            usedKeys += schema.map(\.attributeName)
        }
        try checkLocalIndexes(request, tableKey: tableKey, claim: claim)
        usedKeys += request.localSecondaryIndexes.flatMap { $0.keySchema.map(\.attributeName) }
        if let geohash = request.geohashIndex {
            try claim(geohash.indexName)
            try checkGeohash(geohash, tableKey: tableKey, definitions: definitions)
            usedKeys += geohash.keySchema.map(\.attributeName)
        }
        let undefined = Set(usedKeys).filter { definitions[$0] == nil }
        if !undefined.isEmpty {
            throw .validation(
                "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [\(ByteOrder.sortedStrings(Array(undefined)).joined(separator: ", "))], AttributeDefinitions: [\(request.attributeDefinitions.map(\.attributeName).joined(separator: ", "))]")
        }
        if Set(usedKeys).count != definitions.count {
            throw .validation(
                "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
        }
        if let ttl = request.timeToLiveSpecification { try checkTimeToLive(ttl) }
        let billing = try checkBilling(request)
        return record(request, tableID: tableID, now: now, billing: billing)
    }

    private static func record(_ request: CreateTableRequest, tableID: UInt32, now: Int64, billing: BillingMode) -> CatalogRecord.Stored {
        var globals = request.globalSecondaryIndexes.map { index in
            GlobalSecondaryIndexDescription(
                indexName: index.indexName, keySchema: index.keySchema, projection: index.projection, indexStatus: "ACTIVE",
                provisionedThroughput: index.provisionedThroughput)
        }
        let locals = request.localSecondaryIndexes.map { index in
            LocalSecondaryIndexDescription(indexName: index.indexName, keySchema: index.keySchema, projection: index.projection)
        }
        let globalIDs = (0..<globals.count).map { UInt8($0 + 1) }
        let localIDs = (0..<locals.count).map { UInt8(globals.count + $0 + 1) }
        var geohashID: UInt8?
        if let geohash = request.geohashIndex {
            geohashID = UInt8(globals.count + locals.count + 1)
            globals.append(GlobalSecondaryIndexDescription(
                indexName: geohash.indexName, keySchema: geohash.keySchema, projection: geohash.projection,
                indexStatus: "ACTIVE", provisionedThroughput: nil))
        }
        let description = TableDescription(
            tableName: request.tableName, keySchema: request.keySchema, attributeDefinitions: request.attributeDefinitions,
            tableStatus: .active, creationDateTime: now, billingMode: billing,
            provisionedThroughput: request.provisionedThroughput, globalSecondaryIndexes: globals.isEmpty ? nil : globals,
            localSecondaryIndexes: locals.isEmpty ? nil : locals, geohashIndex: request.geohashIndex,
            timeToLive: request.timeToLiveSpecification, tableID: tableID)
        return CatalogRecord.Stored(description: description, globalIndexIDs: globalIDs, localIndexIDs: localIDs, geohashIndexID: geohashID)
    }

    /// DynamoDB's name rule for tables and indexes: 3-255 characters of `[A-Za-z0-9_.-]`.
    static func checkName(_ name: String, parameter: String) throws(DynamoError) {
        let count = name.utf8.count
        if count < 3 || count > 255 {
            throw .validation(
                "1 validation error detected: Value '\(name)' at '\(parameter)' failed to satisfy constraint: Member must have length \(count < 3 ? "greater than or equal to 3" : "less than or equal to 255")")
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte == 0x2D || byte == 0x2E
        }
        if !allowed {
            throw .validation(
                "1 validation error detected: Value '\(name)' at '\(parameter)' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
    }

    /// One HASH element, then at most one RANGE element, on two different attributes.
    static func checkKeySchema(_ schema: [KeySchemaElement], context: String) throws(DynamoError) -> [KeySchemaElement] {
        guard (1...2).contains(schema.count) else {
            throw .validation(
                "1 validation error detected: Value at '\(context.isEmpty ? "" : "index")keySchema' failed to satisfy constraint: Member must have length \(schema.isEmpty ? "greater than or equal to 1" : "less than or equal to 2")")
        }
        guard schema[0].keyType == .hash else { throw .validation("Invalid \(context)KeySchema: The first KeySchemaElement is not a HASH key type") }
        if schema.count == 2 {
            guard schema[1].keyType == .range else { throw .validation("Invalid \(context)KeySchema: The second KeySchemaElement is not a RANGE key type") }
            guard schema[0].attributeName != schema[1].attributeName else {
                throw .validation("Invalid \(context)KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name")
            }
        }
        for element in schema where element.attributeName.isEmpty || element.attributeName.utf8.count > 255 {
            throw .validation("Invalid \(context)KeySchema: attribute names must be 1 to 255 bytes long")
        }
        return schema
    }

    private static func checkDefinitions(_ definitions: [AttributeDefinition]) throws(DynamoError) -> [String: ScalarAttributeType] {
        var types: [String: ScalarAttributeType] = [:]
        for definition in definitions {
            guard types.updateValue(definition.attributeType, forKey: definition.attributeName) == nil else {
                throw .validation("Cannot have two attributes with the same name: \(definition.attributeName)")
            }
        }
        return types
    }

    private static func checkProjection(_ projection: Projection, indexName: String) throws(DynamoError) {
        switch projection.projectionType {
        case .include:
            guard !projection.nonKeyAttributes.isEmpty else {
                throw .validation("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
            }
            guard projection.nonKeyAttributes.count <= maxProjectedAttributes,
                Set(projection.nonKeyAttributes).count == projection.nonKeyAttributes.count
            else {
                throw .validation("One or more parameter values were invalid: NonKeyAttributes of index \(indexName) must be at most \(maxProjectedAttributes) distinct names")
            }
        case .all, .keysOnly:
            guard projection.nonKeyAttributes.isEmpty else {
                throw .validation(
                    "One or more parameter values were invalid: ProjectionType is \(projection.projectionType.rawValue), but NonKeyAttributes is specified")
            }
        }
    }

    private static func checkLocalIndexes(
        _ request: CreateTableRequest, tableKey: [KeySchemaElement], claim: (String) throws(DynamoError) -> Void
    ) throws(DynamoError) {
        guard !request.localSecondaryIndexes.isEmpty else { return }
        guard tableKey.count == 2 else {
            throw .validation(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
        }
        guard request.localSecondaryIndexes.count <= maxLocalIndexes else {
            throw .validation("One or more parameter values were invalid: LocalSecondaryIndex count exceeds the per-table limit of \(maxLocalIndexes)")
        }
        for index in request.localSecondaryIndexes {
            try claim(index.indexName)
            let schema = try checkKeySchema(index.keySchema, context: "Index ")
            guard schema.count == 2 else { throw .validation("One or more parameter values were invalid: Index KeySchema does not have a range key for index: \(index.indexName)") }
            guard schema[0].attributeName == tableKey[0].attributeName else {
                throw .validation(
                    "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: \(index.indexName). index hash key: \(schema[0].attributeName), table hash key: \(tableKey[0].attributeName)")
            }
            try checkProjection(index.projection, indexName: index.indexName)
        }
    }

    private static func checkGeohash(
        _ geohash: GeohashIndex, tableKey: [KeySchemaElement], definitions: [String: ScalarAttributeType]
    ) throws(DynamoError) {
        guard (1...Geohash.maxPrecision).contains(geohash.precision) else {
            throw .validation("One or more parameter values were invalid: geohash precision must be 1 to \(Geohash.maxPrecision), found \(geohash.precision)")
        }
        let names = [geohash.latitudeAttributeName, geohash.longitudeAttributeName, geohash.cellAttributeName]
        guard Set(names).count == 3, names.allSatisfy({ !$0.isEmpty }) else {
            throw .validation("One or more parameter values were invalid: the geohash index needs three distinct attributes: latitude, longitude and cell")
        }
        for name in names where tableKey.contains(where: { $0.attributeName == name }) || name == geohash.sortAttributeName {
            throw .validation("One or more parameter values were invalid: the geohash attribute \(name) may not be a key attribute of the table or the index's sort key")
        }
        if let type = definitions[geohash.cellAttributeName], type != .string {
            throw .validation("One or more parameter values were invalid: the geohash cell attribute \(geohash.cellAttributeName) must be defined as S")
        }
        try checkProjection(geohash.projection, indexName: geohash.indexName)
    }

    static func checkTimeToLive(_ ttl: TimeToLiveSpecification) throws(DynamoError) {
        guard !ttl.attributeName.isEmpty, ttl.attributeName.utf8.count <= 255 else {
            throw .validation("1 validation error detected: Value at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255")
        }
    }

    private static func checkBilling(_ request: CreateTableRequest) throws(DynamoError) -> BillingMode {
        switch (request.billingMode, request.provisionedThroughput) {
        case (.payPerRequest?, _?):
            throw .validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
        case (.provisioned?, nil):
            throw .validation(
                "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
        case (_, let throughput?):
            guard throughput.readCapacityUnits >= 1, throughput.writeCapacityUnits >= 1 else {
                throw .validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must be at least 1")
            }
            return .provisioned
        case (let mode, nil):
            return mode ?? .payPerRequest
        }
    }
}
