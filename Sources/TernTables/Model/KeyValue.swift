/// The value of a key attribute: DynamoDB keys are S, N or B only.
///
/// `Comparable` is DynamoDB's key order: strings by UTF-8 bytes, binaries by unsigned bytes,
/// numbers by value. Values of different types never share a key position, but for totality they
/// order binary < string < number (the order of their encoding type codes).
public enum KeyValue: Sendable {
    /// `S`: compared by UTF-8 bytes.
    case string(String)
    /// `N`: compared by value.
    case number(Number)
    /// `B`: compared by unsigned bytes.
    case binary([UInt8])

    /// The key value held by `value`, or `nil` if `value` is not S, N or B.
    public init?(_ value: AttributeValue) {
        switch value {
        case .string(let string): self = .string(string)
        case .number(let number): self = .number(number)
        case .binary(let bytes): self = .binary(bytes)
        default: return nil
        }
    }

    /// The same value as an `AttributeValue`.
    public var attributeValue: AttributeValue {
        switch self {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        case .binary(let bytes): .binary(bytes)
        }
    }

    /// The key's type.
    public var type: ScalarAttributeType {
        switch self {
        case .string: .string
        case .number: .number
        case .binary: .binary
        }
    }

    /// The bytes this value counts against the key size limits.
    public var sizeBytes: Int { attributeValue.sizeBytes }
}

extension KeyValue: Hashable {
    /// Equal as DynamoDB key values (strings by bytes, numbers by value).
    public static func == (lhs: KeyValue, rhs: KeyValue) -> Bool { lhs.attributeValue == rhs.attributeValue }
    /// Hashes consistently with `==`.
    public func hash(into hasher: inout Hasher) { attributeValue.hash(into: &hasher) }
}

extension KeyValue: Comparable {
    /// DynamoDB's key order.
    public static func < (lhs: KeyValue, rhs: KeyValue) -> Bool { compare(lhs, rhs) < 0 }

    /// -1, 0 or 1 in DynamoDB's key order.
    public static func compare(_ lhs: KeyValue, _ rhs: KeyValue) -> Int {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return ByteOrder.compare(a, b)
        case (.number(let a), .number(let b)): return Number.compare(a, b)
        case (.binary(let a), .binary(let b)): return ByteOrder.compare(a, b)
        default: return lhs.typeRank < rhs.typeRank ? -1 : 1
        }
    }

    private var typeRank: Int {
        switch self {
        case .binary: 0
        case .string: 1
        case .number: 2
        }
    }
}

/// The three types a key attribute may have (`AttributeType` in DynamoDB's `AttributeDefinitions`).
public enum ScalarAttributeType: String, Sendable, CaseIterable {
    /// `S`.
    case string = "S"
    /// `N`.
    case number = "N"
    /// `B`.
    case binary = "B"

    /// The same type as an `AttributeType`.
    public var attributeType: AttributeType {
        switch self {
        case .string: .string
        case .number: .number
        case .binary: .binary
        }
    }
}
