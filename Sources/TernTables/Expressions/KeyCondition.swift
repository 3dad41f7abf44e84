/// A parsed `KeyConditionExpression`, checked against a key schema: the partition key value and at
/// most one sort-key condition.
package struct KeyCondition: Sendable, Equatable {
    /// The partition key value the query reads.
    package let partitionKey: KeyValue
    /// The condition on the sort key, if any.
    package let sortKeyCondition: SortKeyCondition?

    /// A key condition built in code (already valid for its schema).
    package init(partitionKey: KeyValue, sortKeyCondition: SortKeyCondition? = nil) {
        self.partitionKey = partitionKey
        self.sortKeyCondition = sortKeyCondition
    }

    /// Parses `text` and checks it against `schema` (the table's, or the queried index's).
    ///
    /// - Throws: `ValidationException` for a syntax error, an undefined or reserved name, and for
    ///   every shape DynamoDB refuses: no partition key condition or a non-equality one, `OR`,
    ///   `NOT`, `<>` or `IN`, two conditions on one key, more than two conditions, a non-key or
    ///   nested attribute, a sort condition on a hash-only schema, a value of the wrong type, an
    ///   empty key value, `begins_with` on a number, BETWEEN with its bounds reversed.
    package init(_ text: String, schema: KeySchema, attributes: inout ExpressionAttributes) throws(DynamoError) {
        var parser = try ExpressionParser(text, kind: .keyCondition, attributes: attributes)
        let root = try parser.parseCondition()
        try parser.finish()
        var conditions: [ConditionNode] = []
        try KeyCondition.flattenConjunction(root, into: &conditions)
        guard conditions.count <= 2 else { throw .validation("Conditions can be of length 1 or 2 only") }
        var partition: KeyValue?
        var sort: SortKeyCondition?
        for condition in conditions {
            let (path, test) = try KeyCondition.keyTest(condition)
            if path.name == schema.partitionKey.name {
                guard partition == nil else { throw KeyCondition.onePerKeyError }
                guard case .equal(let value) = test else { throw .validation("Query key condition not supported") }
                partition = try KeyCondition.keyValue(value, for: schema.partitionKey)
            } else if let sortKey = schema.sortKey, path.name == sortKey.name {
                guard sort == nil else { throw KeyCondition.onePerKeyError }
                sort = try test.checked(against: sortKey)
            } else {
                throw schema.sortKey.map { .validation("Query condition missed key schema element: \($0.name)") }
                    ?? .validation("Query key condition not supported")
            }
        }
        guard let partition else {
            throw .validation("Query condition missed key schema element: \(schema.partitionKey.name)")
        }
        attributes = parser.attributes
        self.partitionKey = partition
        self.sortKeyCondition = sort
    }

    static let onePerKeyError = DynamoError.validation("KeyConditionExpressions must only contain one condition per key")

    private static func flattenConjunction(_ node: ConditionNode, into conditions: inout [ConditionNode]) throws(DynamoError) {
        switch node {
        case .and(let lhs, let rhs):
            try flattenConjunction(lhs, into: &conditions)
            try flattenConjunction(rhs, into: &conditions)
        case .or:
            throw ExpressionKind.keyCondition.error("Invalid operator used in KeyConditionExpression: OR")
        case .not:
            throw ExpressionKind.keyCondition.error("Invalid operator used in KeyConditionExpression: NOT")
        default:
            conditions.append(node)
        }
    }

    /// The key path and the test one simple condition applies to it.
    private static func keyTest(_ node: ConditionNode) throws(DynamoError) -> (AttributePath, KeyTest) {
        let kind = ExpressionKind.keyCondition
        switch node {
        case .comparison(let lhs, let comparator, let rhs):
            if comparator == .notEqual { throw kind.error("Invalid operator used in KeyConditionExpression: <>") }
            let (path, value, mirrored) = try pathAndValue(lhs, rhs, operatorName: comparator.rawValue)
            let effective = mirrored ? comparator.mirrored : comparator
            switch effective {
            case .equal: return (path, .equal(value))
            case .less: return (path, .less(value))
            case .lessOrEqual: return (path, .lessOrEqual(value))
            case .greater: return (path, .greater(value))
            default: return (path, .greaterOrEqual(value))
            }
        case .between(let subject, let lower, let upper):
            guard case .path(let path) = subject, case .value(let low) = lower, case .value(let high) = upper else {
                throw kind.error("The BETWEEN operator requires a key attribute and two values")
            }
            try checkTopLevel(path)
            return (path, .between(low, high))
        case .beginsWith(let subject, let prefix):
            guard case .path(let path) = subject, case .value(let value) = prefix else {
                throw kind.error("The begins_with function requires a key attribute and a value")
            }
            try checkTopLevel(path)
            return (path, .beginsWith(value))
        case .isIn:
            throw kind.error("Invalid operator used in KeyConditionExpression: IN")
        case .attributeExists:
            throw kind.error("The function is not allowed in a key condition; function: attribute_exists")
        case .attributeNotExists:
            throw kind.error("The function is not allowed in a key condition; function: attribute_not_exists")
        case .attributeType:
            throw kind.error("The function is not allowed in a key condition; function: attribute_type")
        case .contains:
            throw kind.error("The function is not allowed in a key condition; function: contains")
        case .and, .or, .not:
            preconditionFailure("flattened before")
        }
    }

    private static func pathAndValue(
        _ lhs: ConditionOperand, _ rhs: ConditionOperand, operatorName: String
    ) throws(DynamoError) -> (AttributePath, AttributeValue, mirrored: Bool) {
        switch (lhs, rhs) {
        case (.path(let path), .value(let value)):
            try checkTopLevel(path)
            return (path, value, false)
        case (.value(let value), .path(let path)):
            try checkTopLevel(path)
            return (path, value, true)
        case (.size, _), (_, .size):
            throw ExpressionKind.keyCondition.error("The function is not allowed in a key condition; function: size")
        default:
            throw ExpressionKind.keyCondition.error(
                "The operator \(operatorName) requires one key attribute and one value; both operands are \(lhs.isPath ? "attributes" : "values")")
        }
    }

    private static func checkTopLevel(_ path: AttributePath) throws(DynamoError) {
        guard path.isTopLevel else {
            throw ExpressionKind.keyCondition.error("KeyConditionExpressions cannot contain nested attributes; attribute: \(path)")
        }
    }

    /// The key value of a condition operand, checked against the key attribute's type.
    static func keyValue(_ value: AttributeValue, for attribute: KeySchema.Attribute) throws(DynamoError) -> KeyValue {
        guard value.type == attribute.type.attributeType, let key = KeyValue(value) else {
            throw .validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
        }
        switch key {
        case .string(let string) where string.utf8.isEmpty:
            throw .validation(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: \(attribute.name)")
        case .binary(let bytes) where bytes.isEmpty:
            throw .validation(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: \(attribute.name)")
        default:
            return key
        }
    }

    /// True when an item with sort key `sortKey` satisfies the condition (always true without one).
    package func matches(sortKey: KeyValue?) -> Bool {
        guard let sortKeyCondition else { return true }
        guard let sortKey else { return false }
        return sortKeyCondition.matches(sortKey)
    }
}

extension ConditionOperand {
    var isPath: Bool {
        if case .path = self { return true }
        return false
    }
}

/// The condition a Query puts on the sort key.
public enum SortKeyCondition: Sendable, Equatable {
    /// `sk = v`.
    case equal(KeyValue)
    /// `sk < v`.
    case less(KeyValue)
    /// `sk <= v`.
    case lessOrEqual(KeyValue)
    /// `sk > v`.
    case greater(KeyValue)
    /// `sk >= v`.
    case greaterOrEqual(KeyValue)
    /// Inclusive on both ends; `lower <= upper` is guaranteed by parsing.
    case between(KeyValue, KeyValue)
    /// A string or binary prefix.
    case beginsWith(KeyValue)

    /// True when `value` satisfies the condition, in DynamoDB's key order.
    public func matches(_ value: KeyValue) -> Bool {
        switch self {
        case .equal(let bound): return KeyValue.compare(value, bound) == 0
        case .less(let bound): return KeyValue.compare(value, bound) < 0
        case .lessOrEqual(let bound): return KeyValue.compare(value, bound) <= 0
        case .greater(let bound): return KeyValue.compare(value, bound) > 0
        case .greaterOrEqual(let bound): return KeyValue.compare(value, bound) >= 0
        case .between(let lower, let upper):
            return KeyValue.compare(value, lower) >= 0 && KeyValue.compare(value, upper) <= 0
        case .beginsWith(let prefix):
            switch (value, prefix) {
            case (.string(let string), .string(let start)): return ByteOrder.hasPrefix(string.utf8, start.utf8)
            case (.binary(let bytes), .binary(let start)): return ByteOrder.hasPrefix(bytes, start)
            default: return false
            }
        }
    }
}

/// One simple key condition before its values are checked against the key schema.
enum KeyTest {
    case equal(AttributeValue)
    case less(AttributeValue)
    case lessOrEqual(AttributeValue)
    case greater(AttributeValue)
    case greaterOrEqual(AttributeValue)
    case between(AttributeValue, AttributeValue)
    case beginsWith(AttributeValue)

    /// The sort-key condition, with its values checked against the sort key's type.
    func checked(against attribute: KeySchema.Attribute) throws(DynamoError) -> SortKeyCondition {
        switch self {
        case .equal(let value): return .equal(try KeyCondition.keyValue(value, for: attribute))
        case .less(let value): return .less(try KeyCondition.keyValue(value, for: attribute))
        case .lessOrEqual(let value): return .lessOrEqual(try KeyCondition.keyValue(value, for: attribute))
        case .greater(let value): return .greater(try KeyCondition.keyValue(value, for: attribute))
        case .greaterOrEqual(let value): return .greaterOrEqual(try KeyCondition.keyValue(value, for: attribute))
        case .between(let low, let high):
            let lower = try KeyCondition.keyValue(low, for: attribute)
            let upper = try KeyCondition.keyValue(high, for: attribute)
            if KeyValue.compare(lower, upper) > 0 {
                throw ExpressionKind.keyCondition.error(
                    "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: \(low.errorRendering), upper bound operand: AttributeValue: \(high.errorRendering)")
            }
            return .between(lower, upper)
        case .beginsWith(let value):
            if attribute.type == .number {
                throw ExpressionKind.keyCondition.error(
                    "Incorrect operand type for operator or function; operator: begins_with, operand type: NUMBER")
            }
            guard value.type == attribute.type.attributeType, let prefix = KeyValue(value) else {
                throw .validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
            }
            return .beginsWith(prefix)
        }
    }
}
