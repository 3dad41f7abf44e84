import TernTables

/// DynamoDB JSON for attribute values and items: `{"S": "text"}`, `{"N": "1.5"}`,
/// `{"B": "<base64>"}`, `{"SS": [...]}`, `{"NS": [...]}`, `{"BS": [...]}`, `{"L": [...]}`,
/// `{"M": {...}}`, `{"BOOL": true}`, `{"NULL": true}`.
///
/// Decoding follows DynamoDB: a JSON type that cannot be the member's (a number for `S`) is a
/// SerializationException; an attribute value with no type or two types, `NULL: false`, bad
/// base64 or a bad number is a ValidationException (bad base64 is a SerializationException, as
/// DynamoDB's front end decodes it). Type names it does not know are ignored, as DynamoDB ignores
/// unknown members. Set rules (no empty set, no duplicates), nesting and size limits are the
/// table layer's (`AttributeValue.validate`).
public enum WireItem {
    /// Encodes `item` as a DynamoDB JSON object (`{"name": {"S": "x"}, ...}`).
    public static func encode(_ item: Item) -> [UInt8] {
        var writer = JSONWriter()
        writer.item(item)
        return writer.bytes
    }

    /// Encodes `item` as DynamoDB JSON text (names in no particular order; `encodeSortedString`
    /// sorts them).
    public static func encodeString(_ item: Item) -> String {
        String(decoding: encode(item), as: UTF8.self)
    }

    /// Decodes a DynamoDB JSON object into an item.
    ///
    /// - Throws: `WireError` (SerializationException or ValidationException, as DynamoDB).
    public static func decode(_ json: some Collection<UInt8>) throws(WireError) -> Item {
        try item(JSONParser.parse(json), at: "item")
    }

    /// Decodes DynamoDB JSON text into an item.
    public static func decode(string: String) throws(WireError) -> Item {
        try decode(Array(string.utf8))
    }

    static func item(_ json: JSONValue, at member: WirePath) throws(WireError) -> Item {
        guard case .object(let members) = json else { throw WireDecoding.typeError(json, expected: "a map", at: member) }
        var item = Item(minimumCapacity: members.count)
        for (name, value) in members { item[name] = try attributeValue(value) }
        return item
    }

    /// Decodes one attribute value.
    public static func attributeValue(_ json: JSONValue) throws(WireError) -> AttributeValue {
        guard case .object(let members) = json else {
            throw WireDecoding.typeError(json, expected: "an AttributeValue structure", at: "AttributeValue")
        }
        var found: AttributeValue?
        for (type, member) in members {
            if case .null = member { continue }  // an explicit null is an absent member
            guard let value = try typedValue(type, member) else { continue }
            guard found == nil else {
                throw WireError.validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
            }
            found = value
        }
        guard let found else {
            throw WireError.validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
        }
        return found
    }

    private static func typedValue(_ type: String, _ json: JSONValue) throws(WireError) -> AttributeValue? {
        switch type {
        case "S": return .string(try WireDecoding.string(json, at: "S"))
        case "N": return .number(try number(WireDecoding.string(json, at: "N")))
        case "B": return .binary(try binary(WireDecoding.string(json, at: "B")))
        case "BOOL": return .bool(try WireDecoding.bool(json, at: "BOOL"))
        case "NULL":
            guard try WireDecoding.bool(json, at: "NULL") else {
                throw WireError.validation(
                    "One or more parameter values were invalid: Null attribute value types must have the value of true")
            }
            return .null
        case "SS": return .stringSet(try WireDecoding.array(json, at: "SS") { (element) throws(WireError) in try WireDecoding.string(element, at: "SS") })
        case "NS": return .numberSet(try WireDecoding.array(json, at: "NS") { (element) throws(WireError) in try number(WireDecoding.string(element, at: "NS")) })
        case "BS": return .binarySet(try WireDecoding.array(json, at: "BS") { (element) throws(WireError) in try binary(WireDecoding.string(element, at: "BS")) })
        case "L": return .list(try WireDecoding.array(json, at: "L") { (element) throws(WireError) in try attributeValue(element) })
        case "M":
            guard case .object(let members) = json else { throw WireDecoding.typeError(json, expected: "a map", at: "M") }
            var map: [String: AttributeValue] = Dictionary(minimumCapacity: members.count)
            for (name, value) in members { map[name] = try attributeValue(value) }
            return .map(map)
        default:
            return nil
        }
    }

    static func number(_ text: String) throws(WireError) -> Number {
        do {
            return try Number(text)
        } catch {
            throw WireError(error)
        }
    }

    static func binary(_ text: String) throws(WireError) -> [UInt8] {
        guard let bytes = Base64.decode(text) else {
            throw WireError.serialization("Base64 encoded value is not valid: \(text.prefix(40))")
        }
        return bytes
    }
}

extension JSONWriter {
    /// Writes `item` as a DynamoDB JSON object.
    public mutating func item(_ item: Item) {
        beginObject()
        for (name, value) in item {
            key(name)
            attributeValue(value)
        }
        endObject()
    }

    /// Writes one attribute value in DynamoDB JSON. Numbers are written in their canonical form
    /// (`1.50` comes back as `1.5`), as DynamoDB returns them.
    public mutating func attributeValue(_ value: AttributeValue) {
        beginObject()
        key(value.type.rawValue)
        switch value {
        case .string(let text): string(text)
        case .number(let number): string(number.description)
        case .binary(let bytes): base64(bytes)
        case .bool(let flag): bool(flag)
        case .null: bool(true)
        case .list(let values):
            beginArray()
            for element in values { attributeValue(element) }
            endArray()
        case .map(let members):
            item(members)
        case .stringSet(let values):
            beginArray()
            for element in values { string(element) }
            endArray()
        case .numberSet(let values):
            beginArray()
            for element in values { string(element.description) }
            endArray()
        case .binarySet(let values):
            beginArray()
            for element in values { base64(element) }
            endArray()
        }
        endObject()
    }
}
