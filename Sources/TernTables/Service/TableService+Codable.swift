/// Typed access: `Codable` values in and out of tables, through `ItemEncoder` and `ItemDecoder`.
///
/// ```swift
/// struct Message: Codable, Sendable { var conversationId: String; var messageId: String; var text: String }
/// try await tables.put(message, into: "Messages", durability: .synced)
/// let same = try await tables.get(Message.self, from: "Messages",
///                                 key: ["conversationId": "c1", "messageId": "0001"])
/// for try await latest in tables.queryItems(request, as: Message.self) { show(latest) }
/// ```
extension TableService {
    /// Stores `value`, encoded as an item, replacing any item with its key (PutItem).
    ///
    /// - Parameters:
    ///   - conditionExpression: the put happens only if it holds for the stored item (e.g.
    ///     `attribute_not_exists(email)` to refuse overwriting).
    /// - Throws: `EncodingError` when `value` does not encode as an item (nothing is written);
    ///   as `putItem`.
    public func put<T: Encodable>(
        _ value: T, into tableName: String, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        durability: Durability
    ) async throws {
        let item = try ItemEncoder().encode(value)
        _ = try await putItem(
            PutItemRequest(
                tableName: tableName, item: item, conditionExpression: conditionExpression,
                expressionAttributeNames: expressionAttributeNames, expressionAttributeValues: expressionAttributeValues),
            durability: durability)
    }

    /// The item with `key`, decoded as `type`; nil when there is none (GetItem).
    ///
    /// - Throws: `DecodingError` when the item does not decode as `type`; as `getItem`.
    public func get<T: Decodable>(_ type: T.Type, from tableName: String, key: Item) async throws -> T? {
        try await getItem(GetItemRequest(tableName: tableName, key: key)).item(as: type)
    }
}

extension TableStore {
    /// Stores `value`, encoded as an item, replacing any item with its key: the synchronous form
    /// of `put(_:into:conditionExpression:expressionAttributeNames:expressionAttributeValues:durability:)`.
    public func put<T: Encodable>(
        _ value: T, into tableName: String, conditionExpression: String? = nil,
        expressionAttributeNames: [String: String]? = nil, expressionAttributeValues: [String: AttributeValue]? = nil,
        durability: Durability
    ) throws {
        let item = try ItemEncoder().encode(value)
        try putItem(
            PutItemRequest(
                tableName: tableName, item: item, conditionExpression: conditionExpression,
                expressionAttributeNames: expressionAttributeNames, expressionAttributeValues: expressionAttributeValues),
            durability: durability)
    }

    /// The item with `key`, decoded as `type`; nil when there is none: the synchronous form of
    /// `get(_:from:key:)`.
    public func get<T: Decodable>(_ type: T.Type, from tableName: String, key: Item) throws -> T? {
        try getItem(GetItemRequest(tableName: tableName, key: key)).item(as: type)
    }
}

extension GetItemResponse {
    /// The item decoded as `type`, or nil when there is none.
    ///
    /// - Throws: `DecodingError`.
    public func item<T: Decodable>(as type: T.Type) throws -> T? {
        try item.map { try ItemDecoder().decode(type, from: $0) }
    }
}

extension QueryResponse {
    /// The page's items decoded as `type`, in order.
    ///
    /// - Throws: `DecodingError` for the first item that does not decode.
    public func items<T: Decodable>(as type: T.Type) throws -> [T] {
        try items.map { try ItemDecoder().decode(type, from: $0) }
    }
}

extension NearbyResponse {
    /// The page's items decoded as `type`, in order.
    ///
    /// - Throws: `DecodingError` for the first item that does not decode.
    public func items<T: Decodable>(as type: T.Type) throws -> [T] {
        try items.map { try ItemDecoder().decode(type, from: $0) }
    }
}
