/// An item: attribute names mapped to values, as DynamoDB's `Item`.
///
/// Attribute names are Swift `String`s; note that `String` equality is Unicode canonical
/// equivalence, so two names that differ only in normalization are one key here (DynamoDB treats
/// names as bytes). Attribute *values* compare by bytes (see `AttributeValue`).
public typealias Item = [String: AttributeValue]

/// One of DynamoDB's ten attribute value types.
///
/// Equality follows DynamoDB: strings compare by their UTF-8 bytes (no Unicode normalization, so
/// precomposed `é` and `e` + U+0301 differ), numbers by value, sets without regard to order, lists
/// in order, maps by key. `hash(into:)` agrees with `==`.
///
/// A value built in code is not validated; `validate()` (and `AttributeValue.validate(item:)`)
/// checks DynamoDB's rules: no empty or duplicate-holding sets, nesting of at most 32 levels, and
/// the 400 KB item limit.
public enum AttributeValue: Sendable {
    /// `S`: a UTF-8 string (may be empty outside keys).
    case string(String)
    /// `N`: an exact decimal.
    case number(Number)
    /// `B`: raw bytes (may be empty outside keys).
    case binary([UInt8])
    /// `BOOL`.
    case bool(Bool)
    /// `NULL` (always true on the wire).
    case null
    /// `L`: an ordered list of any values (may be empty).
    case list([AttributeValue])
    /// `M`: a map of names to any values (may be empty).
    case map([String: AttributeValue])
    /// `SS`: a non-empty set of strings; order carries no meaning.
    case stringSet([String])
    /// `NS`: a non-empty set of numbers; order carries no meaning.
    case numberSet([Number])
    /// `BS`: a non-empty set of byte strings; order carries no meaning.
    case binarySet([[UInt8]])

    /// The value's type.
    public var type: AttributeType {
        switch self {
        case .string: .string
        case .number: .number
        case .binary: .binary
        case .bool: .bool
        case .null: .null
        case .list: .list
        case .map: .map
        case .stringSet: .stringSet
        case .numberSet: .numberSet
        case .binarySet: .binarySet
        }
    }
}

/// The ten attribute types; the raw value is DynamoDB's type descriptor (`S`, `N`, ... `BS`).
public enum AttributeType: String, Sendable, CaseIterable {
    /// `S`.
    case string = "S"
    /// `N`.
    case number = "N"
    /// `B`.
    case binary = "B"
    /// `BOOL`.
    case bool = "BOOL"
    /// `NULL`.
    case null = "NULL"
    /// `L`.
    case list = "L"
    /// `M`.
    case map = "M"
    /// `SS`.
    case stringSet = "SS"
    /// `NS`.
    case numberSet = "NS"
    /// `BS`.
    case binarySet = "BS"

    /// The long name DynamoDB uses in operand-type error messages (`STRING`, `NUMBER_SET`, ...).
    public var longName: String {
        switch self {
        case .string: "STRING"
        case .number: "NUMBER"
        case .binary: "BINARY"
        case .bool: "BOOLEAN"
        case .null: "NULL"
        case .list: "LIST"
        case .map: "MAP"
        case .stringSet: "STRING_SET"
        case .numberSet: "NUMBER_SET"
        case .binarySet: "BINARY_SET"
        }
    }

    /// True for SS, NS and BS.
    public var isSet: Bool { self == .stringSet || self == .numberSet || self == .binarySet }
}

extension AttributeValue: Equatable {
    /// DynamoDB equality: strings by bytes, numbers by value, sets regardless of order.
    public static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return ByteOrder.equal(a, b)
        case (.number(let a), .number(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a == b
        case (.stringSet(let a), .stringSet(let b)):
            return a.count == b.count && ByteOrder.sortedStrings(a).elementsEqual(ByteOrder.sortedStrings(b), by: ByteOrder.equal)
        case (.numberSet(let a), .numberSet(let b)):
            return a.count == b.count && a.sorted() == b.sorted()
        case (.binarySet(let a), .binarySet(let b)):
            return a.count == b.count && ByteOrder.sortedBytes(a) == ByteOrder.sortedBytes(b)
        default: return false
        }
    }
}

extension AttributeValue: Hashable {
    /// Hashes consistently with `==` (set elements in any order hash alike).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        switch self {
        case .string(let value): ByteOrder.hashString(value, into: &hasher)
        case .number(let value): hasher.combine(value)
        case .binary(let value): hasher.combine(value)
        case .bool(let value): hasher.combine(value)
        case .null: break
        case .list(let values): hasher.combine(values)
        case .map(let values): hasher.combine(values)
        case .stringSet(let values):
            // Order-independent: a commutative sum of per-element hashes.
            hasher.combine(values.count)
            hasher.combine(values.reduce(0) { sum, element in
                var elementHasher = Hasher()
                ByteOrder.hashString(element, into: &elementHasher)
                return sum &+ elementHasher.finalize()
            })
        case .numberSet(let values):
            hasher.combine(values.count)
            hasher.combine(values.reduce(0) { $0 &+ $1.hashValue })
        case .binarySet(let values):
            hasher.combine(values.count)
            hasher.combine(values.reduce(0) { $0 &+ $1.hashValue })
        }
    }
}

/// Byte-wise ordering and hashing helpers: DynamoDB orders strings by UTF-8 bytes and binaries by
/// unsigned bytes, which is not Swift's `String` order.
enum ByteOrder {
    /// -1, 0 or 1 comparing two byte sequences as unsigned bytes, a proper prefix first.
    static func compare(_ lhs: some Sequence<UInt8>, _ rhs: some Sequence<UInt8>) -> Int {
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let a?, let b?): if a != b { return a < b ? -1 : 1 }
            }
        }
    }

    /// Strings by UTF-8 bytes; native Swift strings are UTF-8 already, so this reads their storage
    /// in place (the generic path covers bridged strings).
    static func compare(_ lhs: String, _ rhs: String) -> Int {
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in compareBuffers(left, right) }
        }
        return (fast ?? nil) ?? compare(lhs.utf8, rhs.utf8)
    }

    /// True when two strings have the same UTF-8 bytes (no Unicode normalization, unlike `==`).
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                left.count == right.count && compareBuffers(left, right) == 0
            }
        }
        return (fast ?? nil) ?? lhs.utf8.elementsEqual(rhs.utf8)
    }

    static func compareBuffers(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(lhs.count, rhs.count)
        var index = 0
        while index < common {
            let a = lhs[index]
            let b = rhs[index]
            if a != b { return a < b ? -1 : 1 }
            index += 1
        }
        return lhs.count == rhs.count ? 0 : (lhs.count < rhs.count ? -1 : 1)
    }

    static func sortedStrings(_ strings: [String]) -> [String] {
        strings.sorted { compare($0, $1) < 0 }
    }

    static func sortedBytes(_ values: [[UInt8]]) -> [[UInt8]] {
        values.sorted { compare($0, $1) < 0 }
    }

    static func hashString(_ value: String, into hasher: inout Hasher) {
        var count = 0
        for byte in value.utf8 {
            hasher.combine(byte)
            count += 1
        }
        hasher.combine(count)
    }

    /// True when `value` starts with `prefix`, byte by byte.
    static func hasPrefix(_ value: some Collection<UInt8>, _ prefix: some Collection<UInt8>) -> Bool {
        value.count >= prefix.count && value.starts(with: prefix)
    }

    /// True when the UTF-8 of `part` occurs in the UTF-8 of `string`.
    static func contains(_ string: String, _ part: String) -> Bool {
        let fast = string.utf8.withContiguousStorageIfAvailable { haystack in
            part.utf8.withContiguousStorageIfAvailable { needle in contains(haystack, needle) }
        }
        return (fast ?? nil) ?? contains(Array(string.utf8), Array(part.utf8))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBufferPointer { haystack in needle.withUnsafeBufferPointer { needle in contains(haystack, needle) } }
    }

    /// True when `needle` occurs in `haystack` as a contiguous byte run (the empty needle always does).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > haystack.count { return false }
        let first = needle[0]
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            var matched = true
            for offset in 1..<needle.count where haystack[start + offset] != needle[offset] {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }
}
