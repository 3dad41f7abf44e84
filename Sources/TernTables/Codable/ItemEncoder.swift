/// Encodes `Encodable` values as items: a struct becomes an `Item`, nested structs and
/// `[String: T]` dictionaries maps (`M`), arrays lists (`L`), strings `S`, numbers `N` (exactly:
/// integers digit for digit, floating point by its shortest round-trip text), `Bool` `BOOL`,
/// `[UInt8]` `B`, a non-empty `Set<String>` `SS` (an empty one an empty list), `Number` `N`. An
/// optional that is nil is left out (as synthesized `Codable` does with `encodeIfPresent`); an
/// explicit `encodeNil` writes `NULL`.
///
/// ```swift
/// struct UserProfile: Codable { var email: String; var age: Int; var interests: [String] }
/// let item = try ItemEncoder().encode(profile)          // ["email": .string(...), ...]
/// let back = try ItemDecoder().decode(UserProfile.self, from: item)
/// ```
///
/// Thread safety: a value type without state; use it from any thread.
public struct ItemEncoder: Sendable {
    /// An encoder.
    public init() {}

    /// The item of `value`, whose encoding must be a keyed container (a struct or class).
    ///
    /// - Throws: `EncodingError.invalidValue` for a value that is not a map at the top level, a
    ///   non-finite floating-point number, or a number DynamoDB cannot hold.
    public func encode<T: Encodable>(_ value: T) throws -> Item {
        guard case .map(let item) = try encodeValue(value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "An item must encode as a keyed container"))
        }
        return item
    }

    /// The attribute value of `value` (any encodable, e.g. an array or a scalar).
    ///
    /// - Throws: as `encode(_:)`.
    public func encodeValue<T: Encodable>(_ value: T) throws -> AttributeValue {
        let box = EncodedBox()
        try ItemEncoding(box: box, codingPath: []).encodeGeneric(value)
        return box.resolved() ?? .null
    }
}

/// A node of the value being built; containers hold child boxes so nested containers can be
/// filled after they are handed out, as `Encoder` requires.
final class EncodedBox {
    enum Content {
        case empty
        case value(AttributeValue)
        case map([String: EncodedBox])
        case list([EncodedBox])
    }

    var content = Content.empty

    func resolved() -> AttributeValue? {
        switch content {
        case .empty: return nil
        case .value(let value): return value
        case .map(let entries):
            var map: [String: AttributeValue] = [:]
            for (key, box) in entries { if let value = box.resolved() { map[key] = value } }
            return .map(map)
        case .list(let elements):
            return .list(elements.map { $0.resolved() ?? .null })
        }
    }
}

/// The `Encoder` behind `ItemEncoder`.
struct ItemEncoding: Encoder {
    let box: EncodedBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .map = box.content {} else { box.content = .map([:]) }
        return KeyedEncodingContainer(KeyedItemEncoding<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .list = box.content {} else { box.content = .list([]) }
        return UnkeyedItemEncoding(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleItemEncoding(encoder: self)
    }

    /// Encodes `value` into this encoder's box, mapping the special types directly.
    func encodeGeneric<T: Encodable>(_ value: T) throws {
        if let special = try ItemEncoding.specialValue(value, codingPath: codingPath) {
            box.content = .value(special)
        } else {
            try value.encode(to: self)
        }
    }

    /// The direct mapping of scalars and the types with their own DynamoDB type, or nil.
    static func specialValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> AttributeValue? {
        switch value {
        case let value as Number: return .number(value)
        case let value as String: return .string(value)
        case let value as Bool: return .bool(value)
        // Match collections by static type: an empty `[Int]` would also cast to `[UInt8]`.
        case let value as [UInt8] where T.self == [UInt8].self: return .binary(value)
        case let value as Set<String> where T.self == Set<String>.self: return value.isEmpty ? .list([]) : .stringSet(Array(value))
        case let value as Int: return .number(Number(value))
        case let value as Double: return try number(value.description, value, codingPath)
        case let value as Float: return try number(value.description, value, codingPath)
        case let value as any BinaryInteger: return try number(String(describing: value), value, codingPath)
        default: return nil
        }
    }

    static func number(_ text: String, _ value: Any, _ codingPath: [any CodingKey]) throws -> AttributeValue {
        do {
            return .number(try Number(text))
        } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "Not a DynamoDB number: \(error.message)"))
        }
    }
}

struct ItemCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

struct KeyedItemEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodedBox
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> EncodedBox {
        let child = EncodedBox()
        if case .map(var entries) = box.content {
            entries[key.stringValue] = child
            box.content = .map(entries)
        }
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try ItemEncoding(box: child(key), codingPath: codingPath + [key]).encodeGeneric(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ItemEncoding(box: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ItemEncoding(box: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        ItemEncoding(box: child(Key(stringValue: "super")!), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ItemEncoding(box: child(key), codingPath: codingPath + [key])
    }
}

struct UnkeyedItemEncoding: UnkeyedEncodingContainer {
    let box: EncodedBox
    let codingPath: [any CodingKey]

    var count: Int {
        if case .list(let elements) = box.content { return elements.count }
        return 0
    }

    private func append() -> (EncodedBox, [any CodingKey]) {
        let child = EncodedBox()
        let path = codingPath + [ItemCodingKey(intValue: count)]
        if case .list(var elements) = box.content {
            elements.append(child)
            box.content = .list(elements)
        }
        return (child, path)
    }

    mutating func encodeNil() throws { append().0.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let (child, path) = append()
        try ItemEncoding(box: child, codingPath: path).encodeGeneric(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let (child, path) = append()
        return ItemEncoding(box: child, codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let (child, path) = append()
        return ItemEncoding(box: child, codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let (child, path) = append()
        return ItemEncoding(box: child, codingPath: path)
    }
}

struct SingleItemEncoding: SingleValueEncodingContainer {
    let encoder: ItemEncoding
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.box.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeGeneric(value) }
}
