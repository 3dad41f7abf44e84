/// A parsed `ConditionExpression` or `FilterExpression`, ready to evaluate against many items.
///
/// Parsing resolves every `#name` and `:value` once, so evaluation touches only the item:
/// no re-parsing, no placeholder lookups, and no errors. Everything DynamoDB rejects up front (a
/// syntax error, an unknown function, a constant of the wrong type, an undefined placeholder, a
/// reserved word) is rejected by `init`; everything that depends on the item (a missing attribute,
/// a type mismatch) makes the condition false, as in DynamoDB.
package struct ConditionExpression: Sendable {
    /// The parsed tree.
    package let root: ConditionNode

    /// Parses `text` as an expression of `kind` (`.condition` or `.filter`).
    ///
    /// - Parameter attributes: the request's placeholders; the ones used are recorded in it.
    /// - Throws: `ValidationException` with DynamoDB's message ("Invalid ConditionExpression:
    ///   Syntax error; token: ...", "Invalid function name; function: ...", ...).
    package init(_ text: String, kind: ExpressionKind = .condition, attributes: inout ExpressionAttributes) throws(DynamoError) {
        var parser = try ExpressionParser(text, kind: kind, attributes: attributes)
        let root = try parser.parseCondition()
        try parser.finish()
        attributes = parser.attributes
        self.root = root
    }

    /// True when `item` satisfies the condition. Pass `[:]` for an item that does not exist.
    ///
    /// - Complexity: proportional to the size of the expression and of the values it inspects.
    package func evaluate(_ item: Item) -> Bool { root.evaluate(item) }

    /// Checks a Query's filter: it may not read the key attributes (a Scan's filter may).
    ///
    /// - Throws: `ValidationException` "Filter Expression can only contain non-primary key
    ///   attributes: Primary key attribute: <name>".
    package func checkNoKeyAttributes(_ schema: KeySchema) throws(DynamoError) {
        let names = topLevelNames
        for name in schema.attributeNames where names.contains(name) {
            throw .validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: \(name)")
        }
    }

    /// The top-level attribute names the expression reads (to decode only those, or to check that a
    /// Query filter leaves key attributes alone).
    package var topLevelNames: Set<String> {
        var names: Set<String> = []
        root.collectNames(into: &names)
        return names
    }
}

/// A node of a parsed condition.
package indirect enum ConditionNode: Sendable {
    /// `lhs <comparator> rhs`.
    case comparison(ConditionOperand, Comparator, ConditionOperand)
    /// `value BETWEEN lower AND upper`, inclusive.
    case between(ConditionOperand, lower: ConditionOperand, upper: ConditionOperand)
    /// `value IN (candidates...)`.
    case isIn(ConditionOperand, [ConditionOperand])
    /// Both hold.
    case and(ConditionNode, ConditionNode)
    /// Either holds.
    case or(ConditionNode, ConditionNode)
    /// The condition does not hold.
    case not(ConditionNode)
    /// `attribute_exists(path)`.
    case attributeExists(AttributePath)
    /// `attribute_not_exists(path)`.
    case attributeNotExists(AttributePath)
    /// `attribute_type(operand, :type)`.
    case attributeType(ConditionOperand, AttributeType)
    /// `begins_with(value, prefix)`: string or binary prefix.
    case beginsWith(ConditionOperand, ConditionOperand)
    /// `contains(container, element)`: substring, set element or list element.
    case contains(ConditionOperand, ConditionOperand)

    func collectNames(into names: inout Set<String>) {
        switch self {
        case .comparison(let lhs, _, let rhs), .beginsWith(let lhs, let rhs), .contains(let lhs, let rhs):
            lhs.collectName(into: &names)
            rhs.collectName(into: &names)
        case .between(let value, let lower, let upper):
            for operand in [value, lower, upper] { operand.collectName(into: &names) }
        case .isIn(let value, let candidates):
            value.collectName(into: &names)
            for candidate in candidates { candidate.collectName(into: &names) }
        case .and(let lhs, let rhs), .or(let lhs, let rhs):
            lhs.collectNames(into: &names)
            rhs.collectNames(into: &names)
        case .not(let node):
            node.collectNames(into: &names)
        case .attributeExists(let path), .attributeNotExists(let path):
            names.insert(path.name)
        case .attributeType(let operand, _):
            operand.collectName(into: &names)
        }
    }
}

/// An operand of a condition: a document path, a constant, or `size(path)`.
package enum ConditionOperand: Sendable, Equatable {
    /// The item's value at a path (absent when missing).
    case path(AttributePath)
    /// A constant from `ExpressionAttributeValues`.
    case value(AttributeValue)
    /// `size(path)`: string length in UTF-16 units, bytes of a binary, elements of a set, list or map.
    case size(AttributePath)

    func collectName(into names: inout Set<String>) {
        switch self {
        case .path(let path), .size(let path): names.insert(path.name)
        case .value: break
        }
    }
}

/// The comparison operators.
package enum Comparator: String, Sendable {
    /// `=`.
    case equal = "="
    /// `<>` (true when either side is missing).
    case notEqual = "<>"
    /// `<`.
    case less = "<"
    /// `<=`.
    case lessOrEqual = "<="
    /// `>`.
    case greater = ">"
    /// `>=`.
    case greaterOrEqual = ">="

    /// The operator with its operands swapped (`a < b` is `b > a`).
    var mirrored: Comparator {
        switch self {
        case .equal, .notEqual: self
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        }
    }
}
