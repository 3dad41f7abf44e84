/// Turns stored item bytes into what a read returns: decodes only the top-level attributes the
/// request needs (projection, filter, TTL), hides an expired item, applies the filter, then the
/// projection. Built once per request and applied to every item it reads.
struct ItemReader: Sendable {
    enum Outcome {
        /// The item is expired: invisible, not counted.
        case expired
        /// The item was read but the filter dropped it.
        case filtered
        /// The item passed the filter, and the request wants only counts (`Select=COUNT`).
        case counted
        /// The item to return.
        case item(Item)
    }

    /// The top-level attributes to decode; nil decodes all.
    private let selection: ItemCodec.AttributeSelection?
    private let projection: ProjectionExpression?
    private let filter: ConditionExpression?
    private let ttlAttribute: String?
    /// The request's clock reading (TTL); a cached reader gets each request's own.
    var now: Number
    /// Without a projection expression: the attributes to return (nil: all decoded).
    private let returnedNames: Set<String>?
    /// True when the request returns no items (`Select=COUNT`).
    private let countOnly: Bool
    /// For a projection of top-level attributes only: the decoded attributes it does not return,
    /// removed in place instead of building a new item.
    private let unprojectedNames: [String]?

    /// - Parameters:
    ///   - projection: the request's ProjectionExpression.
    ///   - defaultNames: without a projection expression, the attributes to return (an index's
    ///     projected attributes; nil: everything stored).
    ///   - extraNames: attributes the caller needs decoded besides (e.g. coordinates); returned
    ///     only when the projection asks for them.
    init(
        projection: ProjectionExpression?, filter: ConditionExpression?, ttlAttribute: String?, now: Number,
        defaultNames: Set<String>?, countOnly: Bool, extraNames: Set<String> = []
    ) {
        var needed: Set<String>?
        if countOnly {
            needed = []
        } else if let projection {
            needed = projection.topLevelNames
        } else {
            needed = defaultNames
        }
        if var names = needed {
            if let filter { names.formUnion(filter.topLevelNames) }
            if let ttlAttribute { names.insert(ttlAttribute) }
            names.formUnion(extraNames)
            needed = names
        }
        self.selection = needed.map(ItemCodec.AttributeSelection.init)
        if let projection, let needed, projection.paths.allSatisfy(\.isTopLevel) {
            let projected = projection.topLevelNames
            unprojectedNames = needed.filter { !projected.contains($0) }
        } else {
            unprojectedNames = nil
        }
        self.projection = projection
        self.filter = filter
        self.ttlAttribute = ttlAttribute
        self.now = now
        self.returnedNames = defaultNames
        self.countOnly = countOnly
    }

    /// Reads one stored item.
    ///
    /// - Throws: `TernError.corruption` for malformed bytes.
    func read(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Outcome {
        let item = try ItemCodec.decode(bytes, selection: selection)
        return outcome(consume item)
    }

    /// Reads one decoded item (already limited to, at least, the selection). Takes the item
    /// (`consuming`): a caller handing over its only reference lets the projection remove the
    /// attributes it does not return in place, instead of copying the dictionary first.
    func outcome(_ item: consuming Item) -> Outcome {
        if let ttlAttribute, case .number(let expiry)? = item[ttlAttribute], expiry < now { return .expired }
        if let filter, !filter.evaluate(item) { return .filtered }
        if countOnly { return .counted }
        if let unprojectedNames {
            for name in unprojectedNames { item.removeValue(forKey: name) }
            return .item(item)
        }
        if let projection { return .item(projection.apply(to: item)) }
        if let returnedNames, item.count > returnedNames.count || item.keys.contains(where: { !returnedNames.contains($0) }) {
            return .item(item.filter { returnedNames.contains($0.key) })
        }
        return .item(item)
    }

    /// Decodes `bytes` with this reader's selection, without judging the item.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Item {
        try ItemCodec.decode(bytes, selection: selection)
    }
}
