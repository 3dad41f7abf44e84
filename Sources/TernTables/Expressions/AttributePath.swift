/// A document path: a top-level attribute name followed by map keys (`.b`) and list indexes (`[1]`).
///
/// Names are resolved (placeholders replaced), so `#ab` with `#ab → "a.b"` is the single name
/// `a.b`, not a nested path.
package struct AttributePath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    package enum Element: Sendable, Hashable {
        /// A map key (or, first, a top-level attribute name).
        case name(String)
        /// A list index.
        case index(Int)
    }

    /// The deepest path DynamoDB accepts.
    package static let maxDepth = 32

    /// The top-level attribute name.
    package let name: String
    /// The steps after the top-level name.
    package let rest: [Element]

    /// The path `name` followed by `rest` (a top-level attribute when `rest` is empty).
    package init(_ name: String, _ rest: [Element] = []) {
        self.name = name
        self.rest = rest
    }

    /// All steps, the top-level name first.
    package var elements: [Element] { [.name(name)] + rest }

    /// True for a top-level attribute (no nested steps).
    package var isTopLevel: Bool { rest.isEmpty }

    /// DynamoDB's rendering in error messages: `[a, b, [1]]`.
    package var description: String {
        "[" + elements.map { element in
            switch element {
            case .name(let name): name
            case .index(let index): "[\(index)]"
            }
        }.joined(separator: ", ") + "]"
    }

    /// The value at this path in `item`, or nil when any step is missing, out of range, or of the
    /// wrong type (a key on a list, an index on a map or scalar).
    package func value(in item: Item) -> AttributeValue? {
        guard var current = item[name] else { return nil }
        for element in rest {
            switch (element, current) {
            case (.name(let key), .map(let map)):
                guard let next = map[key] else { return nil }
                current = next
            case (.index(let index), .list(let list)):
                guard list.indices.contains(index) else { return nil }
                current = list[index]
            default:
                return nil
            }
        }
        return current
    }

    /// How two paths relate when both are written by one update or projection.
    enum Relation {
        /// Neither is a prefix of the other, and they part on steps of the same kind.
        case independent
        /// One is a prefix of the other (or they are equal).
        case overlap
        /// They part where one has a map key and the other a list index.
        case conflict
    }

    func relation(to other: AttributePath) -> Relation {
        guard name == other.name else { return .independent }
        for (mine, theirs) in zip(rest, other.rest) where mine != theirs {
            switch (mine, theirs) {
            case (.name, .name), (.index, .index): return .independent
            default: return .conflict
            }
        }
        return .overlap
    }

    /// Throws DynamoDB's overlap or conflict error for the first pair of `paths` that collide.
    static func checkIndependent(_ paths: [AttributePath], kind: ExpressionKind) throws(DynamoError) {
        // Group by top-level name so only paths that can collide are compared.
        var byName: [String: [AttributePath]] = [:]
        for path in paths {
            for earlier in byName[path.name, default: []] {
                switch earlier.relation(to: path) {
                case .independent:
                    continue
                case .overlap:
                    throw kind.error(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: \(earlier), path two: \(path)")
                case .conflict:
                    throw kind.error(
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: \(earlier), path two: \(path)")
                }
            }
            byName[path.name, default: []].append(path)
        }
    }
}
