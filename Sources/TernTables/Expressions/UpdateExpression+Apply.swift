/// The outcome of applying an update: the new item and what changed.
package struct UpdateResult: Sendable {
    /// The item after the update (key attributes included).
    package let item: Item
    /// The paths the update wrote, for `UPDATED_OLD` / `UPDATED_NEW`.
    package let updatedPaths: [AttributePath]

    /// The `Attributes` to return for `option`, given the item before the update (nil if absent).
    /// Nil means "no Attributes".
    package func attributes(for option: ReturnValue, oldItem: Item?) -> Item? {
        let projection = ProjectionExpression(independentPaths: updatedPaths)
        let result: Item?
        switch option {
        case .none: result = nil
        case .allOld: result = oldItem
        case .allNew: result = item
        case .updatedOld: result = oldItem.map(projection.apply(to:))
        case .updatedNew: result = projection.apply(to: item)
        }
        return result?.isEmpty == true ? nil : result
    }
}

extension UpdateExpression {
    static let missingAttributeError = DynamoError.validation(
        "The provided expression refers to an attribute that does not exist in the item")
    static let operandTypeError = DynamoError.validation("An operand in the update expression has an incorrect data type")
    static let invalidPathError = DynamoError.validation("The document path provided in the update expression is invalid for update")

    /// Applies the update to `oldItem`, as UpdateItem does.
    ///
    /// Every right-hand side is evaluated against the item *before* the update, then all writes are
    /// applied at once; list indexes refer to positions before the update (so `REMOVE l[0], l[2]`
    /// removes the first and third elements), and `SET l[i]` past the end appends (several appends
    /// in index order). A missing item is an upsert of `key`.
    ///
    /// - Parameters:
    ///   - oldItem: the stored item, or nil when there is none.
    ///   - key: the request's `Key` (the new item's key attributes when `oldItem` is nil).
    ///   - keySchema: the table's key schema; key attributes may not be written.
    /// - Returns: the new item and the updated paths; `oldItem` is not changed (value semantics).
    /// - Throws: `ValidationException` — writing a key attribute, an operand that is missing or of
    ///   the wrong type, a path through a missing parent or a value of the wrong type, arithmetic
    ///   beyond 38 digits, nesting beyond 32 levels, or an item over 400 KB.
    package func apply(to oldItem: Item?, key: Item, keySchema: KeySchema) throws(DynamoError) -> UpdateResult {
        for action in actions where keySchema.isKeyAttribute(action.path.name) {
            throw .validation(
                "One or more parameter values were invalid: Cannot update attribute \(action.path.name). This attribute is part of the key")
        }
        let base = oldItem ?? key
        // Phase 1: evaluate every action against the old item.
        var tree = UpdateTree()
        for action in actions {
            switch action {
            case .set(let path, let value):
                tree.insert(path, .set(try UpdateExpression.evaluate(value, in: base)))
            case .remove(let path):
                tree.insert(path, .remove)
            case .add(let path, let operand):
                tree.insert(path, .set(try UpdateExpression.add(operand, to: path.value(in: base))))
            case .delete(let path, let operand):
                guard let existing = path.value(in: base) else { continue }
                if let remaining = try UpdateExpression.delete(operand, from: existing) {
                    tree.insert(path, .set(remaining))
                } else {
                    tree.insert(path, .remove)
                }
            }
        }
        // Phase 2: write everything at once.
        var item = base
        for (name, node) in tree.root.children {
            guard case .name(let name) = name else { continue }
            let updated = try node.apply(to: item[name], itemExists: oldItem != nil)
            if let updated { try updated.validate() }
            item[name] = updated
        }
        if AttributeValue.size(of: item) > AttributeValue.maxItemSizeBytes {
            throw .validation("Item size to update has exceeded the maximum allowed size")
        }
        return UpdateResult(item: item, updatedPaths: paths)
    }

    static func evaluate(_ value: UpdateValue, in item: Item) throws(DynamoError) -> AttributeValue {
        switch value {
        case .operand(let operand):
            return try evaluate(operand, in: item)
        case .plus(let lhs, let rhs), .minus(let lhs, let rhs):
            guard case .number(let left) = try evaluate(lhs, in: item), case .number(let right) = try evaluate(rhs, in: item) else {
                throw operandTypeError
            }
            if case .plus = value { return .number(try left.adding(right)) }
            return .number(try left.subtracting(right))
        }
    }

    static func evaluate(_ operand: UpdateOperand, in item: Item) throws(DynamoError) -> AttributeValue {
        switch operand {
        case .path(let path):
            guard let value = path.value(in: item) else { throw missingAttributeError }
            return value
        case .value(let value):
            return value
        case .ifNotExists(let path, let fallback):
            if let value = path.value(in: item) { return value }
            return try evaluate(fallback, in: item)
        case .listAppend(let lhs, let rhs):
            guard case .list(let first) = try evaluate(lhs, in: item), case .list(let second) = try evaluate(rhs, in: item) else {
                throw operandTypeError
            }
            return .list(first + second)
        }
    }

    /// ADD: a missing attribute counts as 0 or the empty set; numbers add, sets union.
    static func add(_ operand: AttributeValue, to existing: AttributeValue?) throws(DynamoError) -> AttributeValue {
        switch (existing, operand) {
        case (nil, _):
            return operand
        case (.number(let current)?, .number(let delta)):
            return .number(try current.adding(delta))
        case (.stringSet(let current)?, .stringSet(let added)):
            var seen = Set(current.map { Array($0.utf8) })
            return .stringSet(current + added.filter { seen.insert(Array($0.utf8)).inserted })
        case (.numberSet(let current)?, .numberSet(let added)):
            var seen = Set(current)
            return .numberSet(current + added.filter { seen.insert($0).inserted })
        case (.binarySet(let current)?, .binarySet(let added)):
            var seen = Set(current)
            return .binarySet(current + added.filter { seen.insert($0).inserted })
        default:
            throw operandTypeError
        }
    }

    /// DELETE: removes set elements; nil when the set becomes empty (the attribute is removed).
    static func delete(_ operand: AttributeValue, from existing: AttributeValue) throws(DynamoError) -> AttributeValue? {
        switch (existing, operand) {
        case (.stringSet(let current), .stringSet(let removed)):
            let gone = Set(removed.map { Array($0.utf8) })
            let kept = current.filter { !gone.contains(Array($0.utf8)) }
            return kept.isEmpty ? nil : .stringSet(kept)
        case (.numberSet(let current), .numberSet(let removed)):
            let gone = Set(removed)
            let kept = current.filter { !gone.contains($0) }
            return kept.isEmpty ? nil : .numberSet(kept)
        case (.binarySet(let current), .binarySet(let removed)):
            let gone = Set(removed)
            let kept = current.filter { !gone.contains($0) }
            return kept.isEmpty ? nil : .binarySet(kept)
        default:
            throw operandTypeError
        }
    }
}

/// The writes of one update as a tree of paths. Paths are independent (checked at parse), so a
/// node holds either a write or children, never both.
struct UpdateTree {
    enum Write {
        case set(AttributeValue)
        case remove
    }

    struct Node {
        var write: Write?
        var children: [AttributePath.Element: Node] = [:]

        var containsSet: Bool {
            if case .set = write { return true }
            return children.values.contains { $0.containsSet }
        }

        /// The value after applying this node's writes to `value` (nil: absent).
        func apply(to value: AttributeValue?, itemExists: Bool) throws(DynamoError) -> AttributeValue? {
            if let write {
                if case .set(let newValue) = write { return newValue }
                return nil
            }
            guard let value else {
                // Writing below a missing parent is invalid; removing below one is a no-op only when
                // the whole item is missing (DynamoDB's behaviour).
                if containsSet || itemExists { throw UpdateExpression.invalidPathError }
                return nil
            }
            switch value {
            case .map(var map):
                for (element, child) in children {
                    guard case .name(let key) = element else { throw UpdateExpression.invalidPathError }
                    map[key] = try child.apply(to: map[key], itemExists: itemExists)
                }
                return .map(map)
            case .list(let list):
                var replacements: [Int: AttributeValue?] = [:]
                var appended: [(Int, AttributeValue)] = []
                for (element, child) in children {
                    guard case .index(let index) = element else { throw UpdateExpression.invalidPathError }
                    if index < list.count {
                        replacements[index] = .some(try child.apply(to: list[index], itemExists: itemExists))
                    } else if let newValue = try child.apply(to: nil, itemExists: itemExists) {
                        appended.append((index, newValue))
                    }
                }
                var result: [AttributeValue] = []
                result.reserveCapacity(list.count + appended.count)
                for (index, element) in list.enumerated() {
                    if let replacement = replacements[index] {
                        if let replacement { result.append(replacement) }
                    } else {
                        result.append(element)
                    }
                }
                result.append(contentsOf: appended.sorted { $0.0 < $1.0 }.map(\.1))
                return .list(result)
            default:
                throw UpdateExpression.invalidPathError
            }
        }
    }

    var root = Node()

    mutating func insert(_ path: AttributePath, _ write: Write) {
        Self.insert(write, at: path.elements[...], into: &root)
    }

    private static func insert(_ write: Write, at elements: ArraySlice<AttributePath.Element>, into node: inout Node) {
        guard let first = elements.first else {
            node.write = write
            return
        }
        insert(write, at: elements.dropFirst(), into: &node.children[first, default: Node()])
    }
}
