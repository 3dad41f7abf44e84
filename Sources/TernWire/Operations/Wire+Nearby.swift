import TernTables

// Tern's own operation: the geohash radius query (`X-Amz-Target: Tern_20261201.Nearby`).
//
//   {"TableName": "Users", "Latitude": 51.5, "Longitude": -0.12, "RadiusKilometers": 25,
//    "SortKeyCondition": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "25"}, {"N": "35"}]},
//    "FilterExpression": ..., "ProjectionExpression": ..., "ExpressionAttributeNames": ...,
//    "ExpressionAttributeValues": ..., "Limit": 20, "MaxEvaluated": 500, "Cursor": "<base64>"}
//   -> {"Items": [...], "Count": n, "ScannedCount": n, "CellsRead": n, "CellsTotal": n, "Cursor": "<base64>"}
//
// The sort-key condition takes the shape of DynamoDB's `Condition` (`EQ LT LE GT GE BETWEEN
// BEGINS_WITH` with an `AttributeValueList`), so it needs no expression placeholders.

extension SortKeyCondition {
    static let operators = ["EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH"]

    init(wire object: WireObject) throws(WireError) {
        let name = try object.requiredString("ComparisonOperator")
        var values: [KeyValue] = []
        for json in try object.array("AttributeValueList", { (json, _) throws(WireError) in json }) ?? [] {
            guard let value = KeyValue(try WireItem.attributeValue(json)) else {
                throw WireError.validation("SortKeyCondition values must be of type S, N or B")
            }
            values.append(value)
        }
        let expected = name == "BETWEEN" ? 2 : 1
        guard SortKeyCondition.operators.contains(name) else {
            throw WireError.validation(
                "1 validation error detected: Value '\(name)' at '\(object.memberPath("ComparisonOperator"))' failed to satisfy constraint: Member must satisfy enum value set: [\(SortKeyCondition.operators.joined(separator: ", "))]")
        }
        guard values.count == expected else {
            throw WireError.validation("SortKeyCondition \(name) takes \(expected) value(s), got \(values.count)")
        }
        switch name {
        case "EQ": self = .equal(values[0])
        case "LT": self = .less(values[0])
        case "LE": self = .lessOrEqual(values[0])
        case "GT": self = .greater(values[0])
        case "GE": self = .greaterOrEqual(values[0])
        case "BETWEEN": self = .between(values[0], values[1])
        default: self = .beginsWith(values[0])
        }
    }

    func encode(to writer: inout JSONWriter) {
        let (name, values): (String, [KeyValue]) =
            switch self {
            case .equal(let value): ("EQ", [value])
            case .less(let value): ("LT", [value])
            case .lessOrEqual(let value): ("LE", [value])
            case .greater(let value): ("GT", [value])
            case .greaterOrEqual(let value): ("GE", [value])
            case .between(let low, let high): ("BETWEEN", [low, high])
            case .beginsWith(let value): ("BEGINS_WITH", [value])
            }
        writer.beginObject()
        writer.member("ComparisonOperator", name)
        writer.key("AttributeValueList")
        writer.beginArray()
        for value in values { writer.attributeValue(value.attributeValue) }
        writer.endArray()
        writer.endObject()
    }
}

extension WireObject {
    /// A JSON number read as a `Double` (coordinates and radii are approximate by nature).
    func double(_ name: String) throws(WireError) -> Double? {
        guard let json = self[name] else { return nil }
        guard case .number(let text) = json, let value = Double(text) else {
            throw WireDecoding.typeError(json, expected: "a Double", at: memberPath(name))
        }
        return value
    }

    func requiredDouble(_ name: String) throws(WireError) -> Double {
        guard let value = try double(name) else { throw WireError.missing(memberPath(name)) }
        return value
    }

    func cursor() throws(WireError) -> NearbyCursor? {
        try string("Cursor").map { (text) throws(WireError) in NearbyCursor(bytes: try WireItem.binary(text)) }
    }
}

extension JSONWriter {
    mutating func double(_ value: Double) {
        // Swift's description is the shortest text that reads back as the same Double, and is
        // valid JSON for finite values.
        numberLiteral(value.isFinite ? "\(value)" : "0")
    }
}

extension NearbyRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(
            tableName: try object.requiredString("TableName"), latitude: try object.requiredDouble("Latitude"),
            longitude: try object.requiredDouble("Longitude"), radiusKilometers: try object.requiredDouble("RadiusKilometers"),
            sortKeyCondition: try object.object("SortKeyCondition").map { (condition) throws(WireError) in
                try SortKeyCondition(wire: condition)
            },
            filterExpression: try object.string("FilterExpression"),
            projectionExpression: try object.string("ProjectionExpression"),
            expressionAttributeNames: try object.names(), expressionAttributeValues: try object.values(),
            limit: try object.int("Limit") ?? 20, maxEvaluated: try object.int("MaxEvaluated"), cursor: try object.cursor())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("TableName", tableName)
        writer.key("Latitude")
        writer.double(latitude)
        writer.key("Longitude")
        writer.double(longitude)
        writer.key("RadiusKilometers")
        writer.double(radiusKilometers)
        if let sortKeyCondition {
            writer.key("SortKeyCondition")
            sortKeyCondition.encode(to: &writer)
        }
        writer.member("FilterExpression", filterExpression)
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        writer.member("ExpressionAttributeValues", values: expressionAttributeValues)
        writer.member("Limit", limit)
        writer.member("MaxEvaluated", maxEvaluated)
        if let cursor { writer.member("Cursor", Base64.encode(cursor.bytes)) }
        writer.endObject()
    }
}

extension NearbyResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let items = try object.array("Items") { (json, path) throws(WireError) in try WireItem.item(json, at: path) } ?? []
        self.init(
            items: items, count: try object.int("Count") ?? items.count, scannedCount: try object.int("ScannedCount") ?? 0,
            cellsRead: try object.int("CellsRead") ?? 0, cellsTotal: try object.int("CellsTotal") ?? 0,
            cursor: try object.cursor())
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Items")
        writer.beginArray()
        for item in items { writer.item(item) }
        writer.endArray()
        writer.member("Count", count)
        writer.member("ScannedCount", scannedCount)
        writer.member("CellsRead", cellsRead)
        writer.member("CellsTotal", cellsTotal)
        if let cursor { writer.member("Cursor", Base64.encode(cursor.bytes)) }
        writer.endObject()
    }
}
