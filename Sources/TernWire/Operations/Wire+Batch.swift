import TernTables

// BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems in DynamoDB JSON.

extension KeysAndAttributes: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        try object.refuseLegacy(LegacyParameters.projection)
        guard let keys = try object.array("Keys", { (json, path) throws(WireError) in try WireItem.item(json, at: path) }) else {
            throw WireError.missing(object.memberPath("Keys"))
        }
        self.init(
            keys: keys, projectionExpression: try object.string("ProjectionExpression"),
            expressionAttributeNames: try object.names(), consistentRead: try object.bool("ConsistentRead") ?? false)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Keys")
        writer.beginArray()
        for key in keys { writer.item(key) }
        writer.endArray()
        writer.member("ProjectionExpression", projectionExpression)
        writer.member("ExpressionAttributeNames", names: expressionAttributeNames)
        if consistentRead { writer.member("ConsistentRead", true) }
        writer.endObject()
    }
}

extension BatchGetItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let requests = try object.map("RequestItems") { (json, path) throws(WireError) in
            try KeysAndAttributes(wire: WireObject(json, at: path))
        }
        guard let requests else { throw WireError.missing("requestItems") }
        self.init(requestItems: requests)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("RequestItems")
        writer.beginObject()
        for (table, request) in requestItems {
            writer.key(table)
            request.encode(to: &writer)
        }
        writer.endObject()
        writer.endObject()
    }
}

extension BatchGetItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let responses = try object.map("Responses") { (json, path) throws(WireError) in
            try WireDecoding.array(json, at: path) { (element) throws(WireError) in try WireItem.item(element, at: path) }
        }
        let unprocessed = try object.map("UnprocessedKeys") { (json, path) throws(WireError) in
            try KeysAndAttributes(wire: WireObject(json, at: path))
        }
        self.init(responses: responses ?? [:], unprocessedKeys: unprocessed ?? [:])
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Responses")
        writer.beginObject()
        for (table, items) in responses {
            writer.key(table)
            writer.beginArray()
            for item in items { writer.item(item) }
            writer.endArray()
        }
        writer.endObject()
        writer.key("UnprocessedKeys")
        writer.beginObject()
        for (table, keys) in unprocessedKeys {
            writer.key(table)
            keys.encode(to: &writer)
        }
        writer.endObject()
        writer.endObject()
    }
}

extension WriteRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        let put = try object.object("PutRequest")
        let delete = try object.object("DeleteRequest")
        switch (put, delete) {
        case (let put?, nil): self = .put(item: try put.requiredItem("Item"))
        case (nil, let delete?): self = .delete(key: try delete.requiredItem("Key"))
        default:
            throw WireError.validation(
                "A WriteRequest must contain exactly one of PutRequest or DeleteRequest (at '\(object.path)')")
        }
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .put(let item):
            writer.key("PutRequest")
            writer.beginObject()
            writer.member("Item", item: item)
            writer.endObject()
        case .delete(let key):
            writer.key("DeleteRequest")
            writer.beginObject()
            writer.member("Key", item: key)
            writer.endObject()
        }
        writer.endObject()
    }
}

func writeRequestMap(_ object: WireObject, _ name: String) throws(WireError) -> [String: [WriteRequest]]? {
    try object.map(name) { (json, path) throws(WireError) in
        guard case .array(let elements) = json else {
            throw WireDecoding.typeError(json, expected: "a list", at: path)
        }
        var requests: [WriteRequest] = []
        for (index, element) in elements.enumerated() {
            requests.append(try WriteRequest(wire: WireObject(element, at: .element(path, index + 1))))
        }
        return requests
    }
}

func writeRequestMap(_ map: [String: [WriteRequest]], into writer: inout JSONWriter) {
    writer.beginObject()
    for (table, requests) in map {
        writer.key(table)
        writer.beginArray()
        for request in requests { request.encode(to: &writer) }
        writer.endArray()
    }
    writer.endObject()
}

extension BatchWriteItemRequest: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        guard let requests = try writeRequestMap(object, "RequestItems") else { throw WireError.missing("requestItems") }
        self.init(requestItems: requests)
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("RequestItems")
        writeRequestMap(requestItems, into: &writer)
        writer.endObject()
    }
}

extension BatchWriteItemResponse: WireCodable {
    public init(wire object: WireObject) throws(WireError) {
        self.init(unprocessedItems: try writeRequestMap(object, "UnprocessedItems") ?? [:])
    }

    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("UnprocessedItems")
        writeRequestMap(unprocessedItems, into: &writer)
        writer.endObject()
    }
}
