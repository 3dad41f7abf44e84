import TernEngine

/// Tern through its public API: one `Store`, one reusable `WriteBatch` and key array per thread.
final class TernBenchEngine: BenchEngine {
    let store: Store
    let settings: EngineSettings

    private init(store: Store, settings: EngineSettings) {
        self.store = store
        self.settings = settings
    }

    static func open(directory: String, settings: EngineSettings) throws -> TernBenchEngine {
        var options = StoreOptions()
        options.memtableBudgetBytes = settings.writeBufferBytes
        options.blockSizeBytes = settings.blockSizeBytes
        options.compression = .lz4
        options.bloomBitsPerKey = settings.bloomBitsPerKey
        options.blockCacheBytes = settings.blockCacheBytes
        return TernBenchEngine(store: try Store.open(at: directory, options: options), settings: settings)
    }

    var configurationSummary: String {
        "Tern (this tree, release build): LZ4, \(settings.bloomBitsPerKey)-bit Bloom, "
            + "memtable \(settings.writeBufferBytes >> 20) MiB, \(settings.blockSizeBytes)-byte blocks, "
            + "block cache \(settings.blockCacheBytes >> 20) MiB, verifies every block's checksum (always)"
    }

    func makeSession() throws -> TernSession { TernSession(store: store) }

    /// SSTable bytes written by flushes and compactions.
    func tableBytesWritten() -> Int? {
        let statistics = store.statistics
        return statistics.flushBytesWritten + statistics.compactionBytesWritten
    }

    func close() throws { try store.close() }
}

struct TernSession: BenchSession {
    let store: Store
    private var batch = WriteBatch()
    /// Reused for keys (`get` and `seek` take arrays): refilled in place, never reallocated
    /// once it has grown to the key size.
    private var keyArray: [UInt8] = []
    /// Value bytes seen by `seek`, so reading them is not optimized away.
    private(set) var touchedBytes = 0

    init(store: Store) { self.store = store }

    private mutating func fillKeyArray(_ key: UnsafeRawBufferPointer) {
        if keyArray.count != key.count {
            keyArray = [UInt8](repeating: 0, count: key.count)
        }
        keyArray.withUnsafeMutableBytes { $0.copyMemory(from: key) }
    }

    mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        batch.removeAll()
        batch.put(key, value)
        try store.write(batch, durability: sync ? .synced : .buffered)
    }

    mutating func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        fillKeyArray(key)
        return try store.get(keyArray)?.count
    }

    mutating func seek(_ key: UnsafeRawBufferPointer, nextCount: Int) throws -> (exact: Bool, entries: Int) {
        fillKeyArray(key)
        var iterator = try store.makeIterator()
        iterator.seek(keyArray)
        guard iterator.isValid else {
            try iterator.checkError()
            return (false, 0)
        }
        let exact = iterator.withKey { compareKeys($0, key) == 0 }
        var entries = 1
        while entries <= nextCount {
            iterator.next()
            guard iterator.isValid else { break }
            entries += 1
            touchedBytes &+= iterator.withValue { $0.count }
        }
        try iterator.checkError()
        return (exact, entries)
    }

    mutating func scan(
        lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, Int) -> Void
    ) throws {
        var iterator = try store.makeIterator(
            lowerBound: lowerBound.map { Array($0) }, upperBound: upperBound.map { Array($0) })
        iterator.seekToFirst()
        while iterator.isValid {
            let valueLength = iterator.withValue { $0.count }
            iterator.withKey { visit($0, valueLength) }
            iterator.next()
        }
        try iterator.checkError()
    }
}
