/// Literal syntax for values and items: `["email": "ada@example.com", "age": 36,
/// "tags": ["a", "b"], "address": ["city": "London"], "verified": true]` is an `Item`.
///
/// Strings (with interpolation) are `S`, integers and floating-point literals `N`, booleans
/// `BOOL`, arrays `L` and dictionaries `M`. Sets have no literal (an array literal is a list):
/// write `.stringSet([...])`. `NULL` is `.null`.
extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// `S`.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AttributeValue: ExpressibleByIntegerLiteral {
    /// `N`, exactly.
    public init(integerLiteral value: Int) { self = .number(Number(value)) }
}

extension AttributeValue: ExpressibleByFloatLiteral {
    /// `N`: the shortest decimal that reads back as the literal's `Double` (`0.1` is 0.1).
    ///
    /// - Precondition: the literal is within DynamoDB's range (a literal outside it is a
    ///   programming error; use `Number(_:)` for values computed at run time).
    public init(floatLiteral value: Double) {
        do {
            self = .number(try Number(value))
        } catch {
            preconditionFailure("\(value) is not a DynamoDB number: \(error.message)")
        }
    }
}

extension AttributeValue: ExpressibleByBooleanLiteral {
    /// `BOOL`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AttributeValue: ExpressibleByArrayLiteral {
    /// `L`.
    public init(arrayLiteral elements: AttributeValue...) { self = .list(elements) }
}

extension AttributeValue: ExpressibleByDictionaryLiteral {
    /// `M`. A name given twice keeps the last value.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Number: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The integer, exactly.
    public init(integerLiteral value: Int) { self.init(value) }

    /// The shortest decimal that reads back as the literal's `Double` (`0.1` is 0.1).
    ///
    /// - Precondition: the literal is within DynamoDB's range.
    public init(floatLiteral value: Double) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("\(value) is not a DynamoDB number: \(error.message)")
        }
    }
}

/// Literal key values: `"ada@example.com"` is `S`, `30` and `2.5` are `N` (so a sort-key
/// condition reads `.between(25, 35)`).
extension KeyValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    /// `S`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `N`, exactly.
    public init(integerLiteral value: Int) { self = .number(Number(value)) }
    /// `N`: the shortest decimal that reads back as the literal's `Double`.
    ///
    /// - Precondition: the literal is within DynamoDB's range.
    public init(floatLiteral value: Double) { self = .number(Number(floatLiteral: value)) }
}
