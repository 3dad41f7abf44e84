/// The async face of `Store`: the same operations for Swift concurrency, run on
/// `StoreOptions.threadPool` so that no task blocks the cooperative pool.
///
/// In an `async` function these overloads are the ones Swift picks (`try await store.put(...)`);
/// synchronous code keeps calling the synchronous core. Both may be mixed on one store.
///
/// Cancellation: a task cancelled before its call reaches a pool thread gets `CancellationError`
/// and nothing happens; a call that started runs to the end.
extension Store {
    /// Opens (or creates) the store in `directory` on a thread of `options.threadPool`: the
    /// async form of `open(at:options:)`, whose recovery reads files and may write tables.
    public static func open(at directory: String, options: StoreOptions) async throws -> Store {
        try await options.threadPool.run { try Store.open(at: directory, options: options) }
    }

    /// Waits for background work and closes the store, off the cooperative pool; see `close()`.
    public func close() async throws {
        try await options.threadPool.run { try self.close() }
    }

    /// Applies `batch` atomically; see `write(_:durability:)`.
    ///
    /// A `.synced` write holds no thread while it waits for durability: it returns once a WAL
    /// sync that started after its batch was written has finished, and concurrent async writers
    /// share those syncs (group commit).
    @discardableResult
    public func write(_ batch: WriteBatch, durability: Durability) async throws -> Commit {
        switch durability {
        case .buffered: try await options.threadPool.run { try self.write(batch, durability: .buffered) }
        case .synced: try await writeThenSync { try self.write(batch, durability: .buffered) }
        }
    }

    /// Stores `value` under `key`; see `put(_:_:durability:)`.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], durability: Durability) async throws -> Commit {
        var batch = WriteBatch(reservingCapacity: key.count + value.count + 11)
        batch.put(key, value)
        return try await write(batch, durability: durability)
    }

    /// Deletes `key`; see `delete(_:durability:)`.
    @discardableResult
    public func delete(_ key: [UInt8], durability: Durability) async throws -> Commit {
        var batch = WriteBatch()
        batch.delete(key)
        return try await write(batch, durability: durability)
    }

    /// The value under `key` as of `snapshot` (or now); see `get(_:snapshot:)`.
    public func get(_ key: [UInt8], snapshot: ReadSnapshot? = nil) async throws -> [UInt8]? {
        try await options.threadPool.run { try self.get(key, snapshot: snapshot) }
    }

    /// The live entries of a range; see `scan(lowerBound:upperBound:reverse:limit:snapshot:)`.
    public func scan(
        lowerBound: [UInt8]? = nil, upperBound: [UInt8]? = nil, reverse: Bool = false,
        limit: Int = .max, snapshot: ReadSnapshot? = nil
    ) async throws -> [(key: [UInt8], value: [UInt8])] {
        let entries = try await options.threadPool.run {
            try self.scan(lowerBound: lowerBound, upperBound: upperBound, reverse: reverse, limit: limit, snapshot: snapshot)
                .map { Entry(key: $0.key, value: $0.value) }
        }
        return entries.map { ($0.key, $0.value) }
    }

    /// Makes every acknowledged write durable; see `sync()`. Shares its sync with concurrent
    /// async synced writers.
    public func sync() async throws {
        try await writeThenSync {}
    }

    /// Flushes the active memtable to an SSTable and waits for it; see `flush()`.
    public func flush() async throws {
        try await options.threadPool.run { try self.flush() }
    }

    /// Runs `write` on a pool thread (it must write with `.buffered` durability), then waits,
    /// on no thread, until a WAL sync that started after it returned has finished: the async
    /// form of a `.synced` write, for this store and for layers above it (the table store's
    /// writes).
    ///
    /// - Throws: what `write` throws (then nothing is waited for); the sync's error;
    ///   `CancellationError` before `write` starts.
    package func writeThenSync<T: Sendable>(_ write: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let coordinator = asyncSyncs
        return try await withUnsafeThrowingContinuation { continuation in
            options.threadPool.submit {
                let value: T
                do {
                    value = try write()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                coordinator.waitForSync({ result in continuation.resume(with: result.map { value }) }, sync: { try self.sync() })
            }
        }
    }
}

/// A key and value, `Sendable` across the pool hop (tuples of arrays are, but cannot be named in
/// a generic constraint).
private struct Entry: Sendable {
    let key: [UInt8]
    let value: [UInt8]
}

extension Store {
    /// The pool the async API runs this store's blocking work on (`StoreOptions.threadPool`).
    package var threadPool: BlockingThreadPool { options.threadPool }
}
