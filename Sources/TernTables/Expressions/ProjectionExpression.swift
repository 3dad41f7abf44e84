/// A parsed `ProjectionExpression`: the document paths to return.
///
/// `a.b` returns `{a: {b: …}}`; `a.b, a.c` merge into one map; `l[0], l[3]` return one list of
/// those elements in index order; missing paths, paths past the end of a list, and paths through a
/// value of the wrong type (`a[0]` on a map, `l.x` on a list) are omitted silently. Key attributes
/// are not added. Overlapping (`a, a.b`) or conflicting (`a.b, a[0]`) paths are rejected.
///
/// The paths are compiled into a tree once, so `apply` walks only what it returns.
package struct ProjectionExpression: Sendable {
    /// The paths in the order written.
    package let paths: [AttributePath]
    private let root: ProjectionNode

    /// Parses `text`: `path (',' path)*`.
    ///
    /// - Parameter attributes: the request's placeholders; the ones used are recorded in it.
    /// - Throws: `ValidationException` for a syntax error, an undefined or reserved name, or
    ///   overlapping or conflicting paths.
    package init(_ text: String, attributes: inout ExpressionAttributes) throws(DynamoError) {
        var parser = try ExpressionParser(text, kind: .projection, attributes: attributes)
        var paths = [try parser.parsePath()]
        while parser.current.kind == .comma {
            parser.advance()
            paths.append(try parser.parsePath())
        }
        try parser.finish()
        try AttributePath.checkIndependent(paths, kind: .projection)
        attributes = parser.attributes
        self.init(independentPaths: paths)
    }

    /// A projection of paths already known to be independent (no overlap, no conflict).
    init(independentPaths paths: [AttributePath]) {
        self.paths = paths
        var root = ProjectionNode()
        for path in paths { root.insert(path.elements[...]) }
        self.root = root
    }

    /// The top-level attributes the projection reads: decode only these (see
    /// `ItemCodec.decode(_:attributes:)`).
    package var topLevelNames: Set<String> { Set(paths.map(\.name)) }

    /// The projected item.
    package func apply(to item: Item) -> Item {
        var result: Item = [:]
        for (name, node) in root.names {
            if let value = item[name], let projected = node.project(value) { result[name] = projected }
        }
        return result
    }
}

/// A node of the compiled projection tree: either a leaf (keep the whole value) or children by
/// map key and by list index (sorted by index, so lists come out in index order).
struct ProjectionNode: Sendable {
    var isLeaf = false
    var names: [(String, ProjectionNode)] = []
    var indexes: [(Int, ProjectionNode)] = []

    mutating func insert(_ elements: ArraySlice<AttributePath.Element>) {
        guard let first = elements.first else {
            isLeaf = true
            return
        }
        switch first {
        case .name(let name):
            if let position = names.firstIndex(where: { $0.0 == name }) {
                names[position].1.insert(elements.dropFirst())
            } else {
                var child = ProjectionNode()
                child.insert(elements.dropFirst())
                names.append((name, child))
            }
        case .index(let index):
            if let position = indexes.firstIndex(where: { $0.0 == index }) {
                indexes[position].1.insert(elements.dropFirst())
            } else {
                var child = ProjectionNode()
                child.insert(elements.dropFirst())
                indexes.append((index, child))
                indexes.sort { $0.0 < $1.0 }
            }
        }
    }

    /// The part of `value` this node keeps, or nil when nothing is left.
    func project(_ value: AttributeValue) -> AttributeValue? {
        if isLeaf { return value }
        switch value {
        case .map(let map) where !names.isEmpty:
            var kept: [String: AttributeValue] = [:]
            for (name, child) in names {
                if let element = map[name], let projected = child.project(element) { kept[name] = projected }
            }
            return kept.isEmpty ? nil : .map(kept)
        case .list(let list) where !indexes.isEmpty:
            var kept: [AttributeValue] = []
            for (index, child) in indexes where index < list.count {
                if let projected = child.project(list[index]) { kept.append(projected) }
            }
            return kept.isEmpty ? nil : .list(kept)
        default:
            return nil
        }
    }
}
