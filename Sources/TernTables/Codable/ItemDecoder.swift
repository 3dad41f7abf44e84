/// Decodes `Decodable` values from items: the inverse of `ItemEncoder`.
///
/// Integers must be exact (`N` 1.5 into an `Int` is a type mismatch, not a truncation),
/// floating-point types take the nearest value, `[UInt8]` reads `B`, sets and arrays read `SS`,
/// `NS`, `BS` or `L`, and a missing or `NULL` attribute decodes as nil for an optional.
///
/// Thread safety: a value type without state; use it from any thread.
public struct ItemDecoder: Sendable {
    /// A decoder.
    public init() {}

    /// Decodes `type` from an item.
    ///
    /// - Throws: `DecodingError` (type mismatch, missing key, or a number out of the type's range).
    public func decode<T: Decodable>(_ type: T.Type, from item: Item) throws -> T {
        try decode(type, from: .map(item))
    }

    /// Decodes `type` from one attribute value.
    ///
    /// - Throws: as `decode(_:from:)` with an item.
    public func decode<T: Decodable>(_ type: T.Type, from value: AttributeValue) throws -> T {
        try ItemDecoding(value: value, codingPath: []).decodeGeneric(type)
    }
}

/// The `Decoder` behind `ItemDecoder`.
struct ItemDecoding: Decoder {
    let value: AttributeValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let map) = value else { throw mismatch([String: AttributeValue].self) }
        return KeyedDecodingContainer(KeyedItemDecoding<Key>(map: map, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedItemDecoding(elements: try elements(), codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleItemDecoding(decoder: self) }

    func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "Expected \(type), found \(value.type.rawValue)"))
    }

    /// The elements of a list or a set, as values.
    func elements() throws -> [AttributeValue] {
        switch value {
        case .list(let values): return values
        case .stringSet(let values): return values.map(AttributeValue.string)
        case .numberSet(let values): return values.map(AttributeValue.number)
        case .binarySet(let values): return values.map(AttributeValue.binary)
        default: throw mismatch([Any].self)
        }
    }

    func decodeGeneric<T: Decodable>(_ type: T.Type) throws -> T {
        if let special = try specialValue(type) { return special }
        return try T(from: self)
    }

    /// The direct mapping of scalars and the types with their own DynamoDB type, or nil.
    private func specialValue<T: Decodable>(_ type: T.Type) throws -> T? {
        if type == Number.self { return try number() as? T }
        if type == String.self {
            guard case .string(let string) = value else { throw mismatch(type) }
            return string as? T
        }
        if type == Bool.self {
            guard case .bool(let bool) = value else { throw mismatch(type) }
            return bool as? T
        }
        if type == [UInt8].self, case .binary(let bytes) = value { return bytes as? T }
        if type == Double.self { return try number().doubleValue as? T }
        if type == Float.self { return Float(try number().doubleValue) as? T }
        if let integer = type as? any FixedWidthInteger.Type { return try exactInteger(integer) as? T }
        return nil
    }

    private func number() throws -> Number {
        guard case .number(let number) = value else { throw mismatch(Number.self) }
        return number
    }

    private func exactInteger(_ type: any FixedWidthInteger.Type) throws -> any FixedWidthInteger {
        let text = try number().description
        guard let integer = type.init(text, radix: 10) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(text) is not a \(type)"))
        }
        return integer
    }
}

struct KeyedItemDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let map: [String: AttributeValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { map.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { map[key.stringValue] != nil }

    private func decoder(_ key: Key) throws -> ItemDecoding {
        guard let value = map[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No attribute \(key.stringValue)"))
        }
        return ItemDecoding(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = map[key.stringValue] else { return true }
        return value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder(key).decodeGeneric(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ItemDecoding(value: map["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

struct UnkeyedItemDecoding: UnkeyedDecodingContainer {
    let elements: [AttributeValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [AttributeValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ItemDecoding {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "The list has no more elements"))
        }
        defer { currentIndex += 1 }
        return ItemDecoding(value: elements[currentIndex], codingPath: codingPath + [ItemCodingKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeGeneric(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct SingleItemDecoding: SingleValueDecodingContainer {
    let decoder: ItemDecoding
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeGeneric(type) }
}
