import TernTables

/// Reads the members of one JSON object of a request or response, with DynamoDB's errors:
/// a member of the wrong JSON type is a SerializationException, a missing required member a
/// ValidationException naming it (`Value null at 'tableName'`), an enum value outside its set a
/// ValidationException listing the set. Members it is not asked for are ignored, as DynamoDB
/// ignores unknown members. An explicit JSON `null` reads as absent.
public struct WireObject {
    /// The object's members.
    public let members: [String: JSONValue]
    /// Where this object sits in the request, for messages (`transactItems.1.member.put`).
    public let path: WirePath

    /// Reads `json` as an object.
    ///
    /// - Throws: SerializationException when `json` is not an object.
    public init(_ json: JSONValue, at path: WirePath = .root) throws(WireError) {
        guard case .object(let members) = json else {
            throw WireDecoding.typeError(json, expected: "a structure", at: path.description.isEmpty ? "request" : path)
        }
        self.members = members
        self.path = path
    }

    /// The member's value, nil when absent or `null`.
    public subscript(name: String) -> JSONValue? {
        guard let value = members[name] else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// `tableName` for `TableName`, prefixed with this object's path: DynamoDB's way of naming a
    /// member in a validation message.
    public func memberPath(_ name: String) -> WirePath {
        .member(path, name)
    }

    public func string(_ name: String) throws(WireError) -> String? {
        guard let value = self[name] else { return nil }
        return try WireDecoding.string(value, at: memberPath(name))
    }

    public func requiredString(_ name: String) throws(WireError) -> String {
        guard let value = try string(name) else { throw WireError.missing(memberPath(name)) }
        return value
    }

    public func bool(_ name: String) throws(WireError) -> Bool? {
        guard let value = self[name] else { return nil }
        return try WireDecoding.bool(value, at: memberPath(name))
    }

    public func int(_ name: String) throws(WireError) -> Int? {
        guard let value = self[name] else { return nil }
        return try WireDecoding.int(value, at: memberPath(name))
    }

    public func object(_ name: String) throws(WireError) -> WireObject? {
        guard let value = self[name] else { return nil }
        return try WireObject(value, at: memberPath(name))
    }

    public func requiredObject(_ name: String) throws(WireError) -> WireObject {
        guard let value = try object(name) else { throw WireError.missing(memberPath(name)) }
        return value
    }

    /// A list member, each element read by `element` (with its 1-based position, DynamoDB's
    /// `member.N` numbering).
    public func array<T>(
        _ name: String, _ element: (JSONValue, _ path: WirePath) throws(WireError) -> T
    ) throws(WireError) -> [T]? {
        guard let value = self[name] else { return nil }
        guard case .array(let elements) = value else {
            throw WireDecoding.typeError(value, expected: "a list", at: memberPath(name))
        }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, json) in elements.enumerated() {
            result.append(try element(json, .element(memberPath(name), index + 1)))
        }
        return result
    }

    /// A list of objects.
    public func objects(_ name: String) throws(WireError) -> [WireObject]? {
        try array(name) { (json, path) throws(WireError) in try WireObject(json, at: path) }
    }

    /// A list of strings.
    public func strings(_ name: String) throws(WireError) -> [String]? {
        try array(name) { (json, path) throws(WireError) in try WireDecoding.string(json, at: path) }
    }

    /// A map member, each value read by `value`.
    public func map<T>(_ name: String, _ value: (JSONValue, _ path: WirePath) throws(WireError) -> T) throws(WireError) -> [String: T]? {
        guard let json = self[name] else { return nil }
        guard case .object(let members) = json else {
            throw WireDecoding.typeError(json, expected: "a map", at: memberPath(name))
        }
        var result: [String: T] = Dictionary(minimumCapacity: members.count)
        for (key, member) in members { result[key] = try value(member, .key(memberPath(name), key)) }
        return result
    }

    /// An item (`Item`, `Key`, `ExclusiveStartKey`, ...).
    public func item(_ name: String) throws(WireError) -> Item? {
        guard let value = self[name] else { return nil }
        return try WireItem.item(value, at: memberPath(name))
    }

    public func requiredItem(_ name: String) throws(WireError) -> Item {
        guard let value = try item(name) else { throw WireError.missing(memberPath(name)) }
        return value
    }

    /// `ExpressionAttributeNames`.
    public func names(_ name: String = "ExpressionAttributeNames") throws(WireError) -> [String: String]? {
        try map(name) { (json, path) throws(WireError) in try WireDecoding.string(json, at: path) }
    }

    /// `ExpressionAttributeValues`.
    public func values(_ name: String = "ExpressionAttributeValues") throws(WireError) -> [String: AttributeValue]? {
        try map(name) { (json, _) throws(WireError) in try WireItem.attributeValue(json) }
    }

    /// An enum member: its raw value must be one of `T`'s.
    public func enumeration<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws(WireError) -> T?
    where T.RawValue == String {
        guard let text = try string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            let set = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw WireError.validation(
                "1 validation error detected: Value '\(text)' at '\(memberPath(name))' failed to satisfy constraint: Member must satisfy enum value set: [\(set)]")
        }
        return value
    }
}

/// Conversions of single JSON values, shared by `WireObject` and the attribute value codec.
public enum WireDecoding {
    static func typeError(_ json: JSONValue, expected: String, at member: WirePath) -> WireError {
        .serialization("\(json.kindName) can not be converted to \(expected) (at '\(member)')")
    }

    static func string(_ json: JSONValue, at member: WirePath) throws(WireError) -> String {
        guard case .string(let text) = json else { throw typeError(json, expected: "a String", at: member) }
        return text
    }

    static func bool(_ json: JSONValue, at member: WirePath) throws(WireError) -> Bool {
        guard case .bool(let flag) = json else { throw typeError(json, expected: "a Boolean", at: member) }
        return flag
    }

    /// A JSON integer. A fraction or exponent, or a value beyond 64 bits, is a
    /// SerializationException (DynamoDB's integers are 32- or 64-bit).
    static func int(_ json: JSONValue, at member: WirePath) throws(WireError) -> Int {
        guard case .number(let text) = json else { throw typeError(json, expected: "an Integer", at: member) }
        guard let value = Int(text) else {
            throw WireError.serialization("Number '\(text)' at '\(member)' is not an integer in range")
        }
        return value
    }

    static func array<T>(_ json: JSONValue, at member: WirePath, _ element: (JSONValue) throws(WireError) -> T) throws(WireError) -> [T] {
        guard case .array(let elements) = json else { throw typeError(json, expected: "a list", at: member) }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for json in elements { result.append(try element(json)) }
        return result
    }
}

/// A value that encodes itself as DynamoDB JSON (a request or a response).
public protocol WireEncodable {
    /// Writes this value as one JSON object.
    func encode(to writer: inout JSONWriter)
}

/// A value that decodes itself from DynamoDB JSON (a request or a response).
public protocol WireDecodable {
    /// Reads this value from one JSON object.
    ///
    /// - Throws: `WireError` (SerializationException, ValidationException) as DynamoDB answers.
    init(wire object: WireObject) throws(WireError)
}

/// Both directions: every request and response type is one, so the node decodes requests and
/// encodes responses, and a remote client does the reverse with the same code.
public typealias WireCodable = WireEncodable & WireDecodable

extension WireEncodable {
    /// This value as DynamoDB JSON bytes.
    public func wireBytes(capacity: Int = 256) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        encode(to: &writer)
        return writer.bytes
    }
}

extension WireDecodable {
    /// Decodes a value from a DynamoDB JSON body.
    public init(wireBytes bytes: some Collection<UInt8>) throws(WireError) {
        try self.init(wire: WireObject(JSONParser.parse(bytes)))
    }
}

extension JSONWriter {
    /// Writes `"name": value` when `value` is not nil (the `member` overloads below likewise).
    public mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func member(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        integer(value)
    }

    public mutating func member(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bool(value)
    }

    public mutating func member(_ name: String, item value: Item?) {
        guard let value else { return }
        key(name)
        item(value)
    }

    public mutating func member(_ name: String, names value: [String: String]?) {
        guard let value else { return }
        key(name)
        beginObject()
        for (placeholder, attribute) in value {
            key(placeholder)
            string(attribute)
        }
        endObject()
    }

    public mutating func member(_ name: String, values value: [String: AttributeValue]?) {
        guard let value else { return }
        key(name)
        item(value)
    }

    public mutating func member(_ name: String, strings value: [String]?) {
        guard let value else { return }
        key(name)
        beginArray()
        for element in value { string(element) }
        endArray()
    }
}
