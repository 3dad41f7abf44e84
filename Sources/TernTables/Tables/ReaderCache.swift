import Synchronization

/// Item readers already built, by what they depend on, so a request repeated with the same
/// projection text and names (the matching query, a GetItem with a projection) skips parsing its
/// ProjectionExpression and preparing the attribute selection: about a sixth of a matching query.
///
/// Only readers of requests without a filter and without ExpressionAttributeValues are cached:
/// such a reader depends on nothing but the key below (and the clock, set per request), and a
/// request whose key is cached passed the same validation when the entry was made. Schema
/// changes (TTL attribute, index projection) change the key, so no entry goes stale.
///
/// Thread safety: the map sits behind a `Mutex`; readers are values.
final class ReaderCache: Sendable {
    struct Key: Hashable, Sendable {
        var projectionText: String?
        var names: [String: String]?
        var ttlAttribute: String?
        var defaultNames: Set<String>?
        var countOnly: Bool
        var extraNames: Set<String>
    }

    /// At most this many readers; the map is emptied when it is full (requests of an
    /// application repeat a handful of shapes).
    static let capacity = 128

    private let readers = Mutex<[Key: ItemReader]>([:])

    /// The reader for `key` at `now`: cached, or built (parsing the projection with `names`) and
    /// remembered.
    ///
    /// - Throws: `ValidationException` for a bad projection or names it leaves unused.
    func reader(_ key: Key, now: Number) throws(DynamoError) -> ItemReader {
        if var cached = readers.withLock({ $0[key] }) {
            cached.now = now
            return cached
        }
        var attributes = try ExpressionAttributes(names: key.names)
        let projection = try key.projectionText.map { (text) throws(DynamoError) in
            try ProjectionExpression(text, attributes: &attributes)
        }
        try attributes.checkAllUsed()
        let reader = ItemReader(
            projection: projection, filter: nil, ttlAttribute: key.ttlAttribute, now: now, defaultNames: key.defaultNames,
            countOnly: key.countOnly, extraNames: key.extraNames)
        readers.withLock { readers in
            if readers.count >= ReaderCache.capacity { readers.removeAll(keepingCapacity: true) }
            readers[key] = reader
        }
        return reader
    }

    /// Readers held (tests).
    var count: Int { readers.withLock { $0.count } }
}
