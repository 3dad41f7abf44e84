import TernEngine

/// What a table store holds, table by table: `tern inspect`'s report, and a way for an
/// application to look at its data's shape.
public struct TableStoreSummary: Sendable {
    /// One secondary index (or the TTL expiry index) of a table.
    public struct Index: Sendable, Equatable {
        /// The index's name; `(expiry)` for the TTL expiry index.
        public var name: String
        /// `GSI`, `LSI`, `geohash` or `TTL`.
        public var kind: String
        /// Entries stored in it (live ones, at the summary's snapshot).
        public var entries: Int
        /// Bytes of those entries' keys and values (uncompressed, before the engine's overhead).
        public var bytes: Int
    }

    /// One table.
    public struct Table: Sendable, Equatable {
        /// The table's name.
        public var name: String
        /// The internal id of this incarnation (its key prefix).
        public var tableID: UInt32
        /// Items stored (expired items not yet purged included).
        public var items: Int
        /// Bytes of the items' keys and encoded values.
        public var itemBytes: Int
        /// The table's indexes, in index-id order, then the expiry index when TTL is on.
        public var indexes: [Index]
    }

    /// The tables, by name (UTF-8 byte order).
    public var tables: [Table]
    /// Engine entries that belong to no table in the catalog: data of dropped tables not yet
    /// removed (finished at the next read-write open).
    public var unreferencedEntries: Int
    /// The engine's shape: files and bytes per level, and its counters.
    public var engine: StoreStatistics
}

extension TableStore {
    /// Counts every table's items and index entries at one snapshot, walking the whole store
    /// once (cost: a full scan; meant for tools and occasional checks, not for a request path).
    ///
    /// - Throws: `TernError` (`.closed`, corruption, I/O).
    public func summary() throws -> TableStoreSummary {
        try checkOpen()
        let schemas = catalog.withLock { Array($0.tables.values) }
        var counts: [UInt32: [UInt8: (entries: Int, bytes: Int)]] = [:]
        var unreferenced = 0
        let known = Set(schemas.map(\.id))
        var iterator = try store.makeIterator(lowerBound: KeyLayout.prefix(table: 1, index: 0), snapshot: store.snapshot())
        iterator.seekToFirst()
        while iterator.isValid {
            let (table, index, size) = iterator.withKey { key -> (UInt32, UInt8, Int) in
                guard key.count >= 5 else { return (0, 0, key.count) }
                let table = key[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                return (table, key[4], key.count)
            }
            let valueSize = iterator.withValue { $0.count }
            if known.contains(table) {
                counts[table, default: [:]][index, default: (0, 0)].entries += 1
                counts[table, default: [:]][index, default: (0, 0)].bytes += size + valueSize
            } else {
                unreferenced += 1
            }
            iterator.next()
        }
        try iterator.checkError()
        let tables = ByteOrder.sortedStrings(schemas.map(\.name)).compactMap { name in
            schemas.first { $0.name == name }.map { TableStore.summarize($0, counts[$0.id] ?? [:]) }
        }
        return TableStoreSummary(tables: tables, unreferencedEntries: unreferenced, engine: store.statistics)
    }

    private static func summarize(_ schema: TableSchema, _ counts: [UInt8: (entries: Int, bytes: Int)]) -> TableStoreSummary.Table {
        var indexes = schema.indexes.sorted { $0.id < $1.id }.map { index in
            let kind = switch index.kind {
            case .global: "GSI"
            case .local: "LSI"
            case .geohash: "geohash"
            }
            return TableStoreSummary.Index(
                name: index.name, kind: kind, entries: counts[index.id]?.entries ?? 0, bytes: counts[index.id]?.bytes ?? 0)
        }
        if schema.ttlAttribute != nil || counts[KeyLayout.expiryIndexID] != nil {
            let expiry = counts[KeyLayout.expiryIndexID]
            indexes.append(TableStoreSummary.Index(name: "(expiry)", kind: "TTL", entries: expiry?.entries ?? 0, bytes: expiry?.bytes ?? 0))
        }
        let items = counts[KeyLayout.baseIndexID]
        return TableStoreSummary.Table(
            name: schema.name, tableID: schema.id, items: items?.entries ?? 0, itemBytes: items?.bytes ?? 0, indexes: indexes)
    }
}
