/// Evaluation of parsed conditions against an item. Nothing here throws: anything that depends on
/// the item (a missing attribute, a type mismatch) makes the condition false, as in DynamoDB.
enum ConditionEvaluation {
    /// -1, 0 or 1 for two numbers, two strings (by UTF-8 bytes) or two binaries; nil otherwise.
    static func scalarOrder(_ lhs: AttributeValue, _ rhs: AttributeValue) -> Int? {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): Number.compare(a, b)
        case (.string(let a), .string(let b)): ByteOrder.compare(a, b)
        case (.binary(let a), .binary(let b)): ByteOrder.compare(a, b)
        default: nil
        }
    }

    static func compare(_ lhs: AttributeValue?, _ comparator: Comparator, _ rhs: AttributeValue?) -> Bool {
        switch comparator {
        case .equal:
            guard let lhs, let rhs else { return false }
            return lhs == rhs
        case .notEqual:
            // A missing attribute is unequal to everything, even another missing attribute.
            guard let lhs, let rhs else { return true }
            return lhs != rhs
        default:
            guard let lhs, let rhs, let order = scalarOrder(lhs, rhs) else { return false }
            switch comparator {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    static func size(of value: AttributeValue) -> AttributeValue? {
        let count: Int
        switch value {
        case .string(let string): count = string.utf16.count  // DynamoDB counts UTF-16 code units
        case .binary(let bytes): count = bytes.count
        case .list(let values): count = values.count
        case .map(let values): count = values.count
        case .stringSet(let values): count = values.count
        case .numberSet(let values): count = values.count
        case .binarySet(let values): count = values.count
        case .number, .bool, .null: return nil
        }
        return .number(Number(count))
    }

    static func beginsWith(_ value: AttributeValue?, _ prefix: AttributeValue?) -> Bool {
        switch (value, prefix) {
        case (.string(let string)?, .string(let start)?): ByteOrder.hasPrefix(string.utf8, start.utf8)
        case (.binary(let bytes)?, .binary(let start)?): ByteOrder.hasPrefix(bytes, start)
        default: false
        }
    }

    static func contains(_ container: AttributeValue?, _ element: AttributeValue?) -> Bool {
        guard let container, let element else { return false }
        switch (container, element) {
        case (.string(let string), .string(let part)): return ByteOrder.contains(string, part)
        case (.binary(let bytes), .binary(let part)): return ByteOrder.contains(bytes, part)
        case (.stringSet(let values), .string(let candidate)): return values.contains { ByteOrder.equal($0, candidate) }
        case (.numberSet(let values), .number(let candidate)): return values.contains(candidate)
        case (.binarySet(let values), .binary(let candidate)): return values.contains(candidate)
        case (.list(let values), _): return values.contains(element)
        default: return false
        }
    }
}

extension ConditionOperand {
    /// The operand's value for `item`, or nil when it has none (missing path, size of a number).
    func evaluate(_ item: Item) -> AttributeValue? {
        switch self {
        case .path(let path): path.value(in: item)
        case .value(let value): value
        case .size(let path): path.value(in: item).flatMap(ConditionEvaluation.size(of:))
        }
    }
}

extension ConditionNode {
    func evaluate(_ item: Item) -> Bool {
        switch self {
        case .comparison(let lhs, let comparator, let rhs):
            return ConditionEvaluation.compare(lhs.evaluate(item), comparator, rhs.evaluate(item))
        case .between(let operand, let lower, let upper):
            let value = operand.evaluate(item)
            return ConditionEvaluation.compare(value, .greaterOrEqual, lower.evaluate(item))
                && ConditionEvaluation.compare(value, .lessOrEqual, upper.evaluate(item))
        case .isIn(let operand, let candidates):
            guard let value = operand.evaluate(item) else { return false }
            return candidates.contains { $0.evaluate(item) == value }
        case .and(let lhs, let rhs):
            return lhs.evaluate(item) && rhs.evaluate(item)
        case .or(let lhs, let rhs):
            return lhs.evaluate(item) || rhs.evaluate(item)
        case .not(let node):
            return !node.evaluate(item)
        case .attributeExists(let path):
            return path.value(in: item) != nil
        case .attributeNotExists(let path):
            return path.value(in: item) == nil
        case .attributeType(let operand, let type):
            return operand.evaluate(item)?.type == type
        case .beginsWith(let value, let prefix):
            return ConditionEvaluation.beginsWith(value.evaluate(item), prefix.evaluate(item))
        case .contains(let container, let element):
            return ConditionEvaluation.contains(container.evaluate(item), element.evaluate(item))
        }
    }
}
