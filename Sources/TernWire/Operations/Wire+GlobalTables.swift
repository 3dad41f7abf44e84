import TernTables

// Global tables on the wire: UpdateTable with ReplicaUpdates (DynamoDB's global tables version
// 2019.11.21), and the Replicas / GlobalTableVersion members of a TableDescription.

extension UpdateTableRequest: WireCodable {
    /// Members of DynamoDB's UpdateTable other than `ReplicaUpdates`; Tern refuses them rather
    /// than ignore a change the caller expects.
    static let unsupportedMembers = [
        "AttributeDefinitions", "BillingMode", "DeletionProtectionEnabled", "GlobalSecondaryIndexUpdates",
        "OnDemandThroughput", "ProvisionedThroughput", "SSESpecification", "StreamSpecification", "TableClass",
        "MultiRegionConsistency", "WarmThroughput", "GlobalTableWitnessUpdates",
    ]

    public init(wire object: WireObject) throws(WireError) {
        let name = try object.requiredString("TableName")
        if let member = Self.unsupportedMembers.first(where: { object[$0] != nil }) {
            throw WireError.validation("Tern's UpdateTable supports ReplicaUpdates only (got \(member))")
        }
        var updates: [ReplicaUpdate] = []
        for update in try object.objects("ReplicaUpdates") ?? [] {
            if let create = try update.object("Create") {
                updates.append(.create(regionName: try create.requiredString("RegionName")))
            } else if let delete = try update.object("Delete") {
                updates.append(.delete(regionName: try delete.requiredString("RegionName")))
            } else {
                throw WireError.validation("A ReplicaUpdate must hold Create or Delete (Update is not supported)")
            }
        }
        self.init(tableName: name, replicaUpdates: updates)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.key("ReplicaUpdates")
        writer.beginArray()
        for update in replicaUpdates {
            writer.beginObject()
            switch update {
            case .create(let region):
                writer.key("Create")
                writer.beginObject()
                writer.member("RegionName", region)
                writer.endObject()
            case .delete(let region):
                writer.key("Delete")
                writer.beginObject()
                writer.member("RegionName", region)
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}

extension UpdateTableResponse: TableDescriptionResponse {}

extension WireObject {
    /// A table description's `Replicas` (nil when absent).
    func replicas() throws(WireError) -> [ReplicaDescription]? {
        try objects("Replicas").map { (replicas) throws(WireError) in
            var result: [ReplicaDescription] = []
            for replica in replicas {
                let status: ReplicaStatus = try replica.string("ReplicaStatus") == "CREATING" ? .creating : .active
                result.append(ReplicaDescription(regionName: try replica.requiredString("RegionName"), replicaStatus: status))
            }
            return result
        }
    }
}

extension JSONWriter {
    /// A global table's `Replicas` and `GlobalTableVersion` (nothing for a local table).
    mutating func replicas(_ replicas: [ReplicaDescription]?, version: String?) {
        guard let replicas else { return }
        member("GlobalTableVersion", version ?? TableDescription.globalTableVersion)
        key("Replicas")
        beginArray()
        for replica in replicas {
            beginObject()
            member("RegionName", replica.regionName)
            member("ReplicaStatus", replica.replicaStatus.name)
            endObject()
        }
        endArray()
    }
}
