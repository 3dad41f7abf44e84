// A public initializer for `TableDescription` beside its internal memberwise one (which also
// takes the store's table id), so code outside the table layer can build one: a remote client
// decoding DynamoDB JSON (TernWire), test doubles.

extension TableDescription {
    /// A description as a remote endpoint reports it. `tableID` is this store's internal id of
    /// the table incarnation; a description decoded from the wire has none (0).
    public init(
        tableName: String, keySchema: [KeySchemaElement], attributeDefinitions: [AttributeDefinition],
        tableStatus: TableStatus, creationDateTime: Int64, billingMode: BillingMode,
        provisionedThroughput: ProvisionedThroughput?, globalSecondaryIndexes: [GlobalSecondaryIndexDescription]?,
        localSecondaryIndexes: [LocalSecondaryIndexDescription]?, geohashIndex: GeohashIndex?,
        timeToLive: TimeToLiveSpecification?
    ) {
        self.tableName = tableName
        self.keySchema = keySchema
        self.attributeDefinitions = attributeDefinitions
        self.tableStatus = tableStatus
        self.creationDateTime = creationDateTime
        self.billingMode = billingMode
        self.provisionedThroughput = provisionedThroughput
        self.globalSecondaryIndexes = globalSecondaryIndexes
        self.localSecondaryIndexes = localSecondaryIndexes
        self.geohashIndex = geohashIndex
        self.timeToLive = timeToLive
        self.tableID = 0
    }
}
