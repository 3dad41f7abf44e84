import TernEngine

/// A fixed array of mutexes that serialize writes to the same item: every write takes the stripe
/// of each item it touches (`hash(table name, item key) % count`) for its read-check-write.
///
/// Why stripes: a conditional write, an update and even a plain put (which must remove the old
/// item's index entries) read the stored item and write a batch derived from it; two such writes
/// on one item must not interleave. One lock per table would serialize unrelated items; one lock
/// per item needs a lock table. Stripes give per-item exclusion with bounded memory, at the cost
/// of rare false sharing. A request touching several items (BatchWriteItem, TransactWriteItems)
/// takes its stripes in ascending order, so two such requests never deadlock. DeleteTable and
/// UpdateTimeToLive take all of them.
///
/// Thread safety: this is the lock. The stripes are `ConditionLock`s (pthread mutexes), not
/// `Synchronization.Mutex`, because a request takes several of them at once and releases them
/// in the reverse order, which scoped `withLock` closures cannot express for a dynamic set.
final class LockStripes: Sendable {
    let count: Int
    private let mutexes: [ConditionLock]

    init(count: Int = 256) {
        precondition(count > 0)
        self.count = count
        mutexes = (0..<count).map { _ in ConditionLock() }
    }

    /// The stripe of the item with engine key `itemKey` in table `tableName`.
    func stripe(tableName: String, itemKey: [UInt8]) -> Int {
        var hash = LockStripes.nameHash(tableName)
        hash ^= LockStripes.mix(KeyLayout.stableHash(itemKey))
        return Int(hash % UInt64(count))
    }

    private static func nameHash(_ name: String) -> UInt64 {
        var bytes = Array(name.utf8)
        bytes.append(0)
        return KeyLayout.stableHash(bytes)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Runs `body` holding the given stripes (any order, duplicates allowed), taken in ascending order.
    func withLocks<T>(_ stripes: [Int], _ body: () throws -> T) rethrows -> T {
        let ordered = Array(Set(stripes)).sorted()
        for stripe in ordered { mutexes[stripe].lock() }
        defer { for stripe in ordered.reversed() { mutexes[stripe].unlock() } }
        return try body()
    }

    /// Runs `body` holding one stripe.
    func withLock<T>(_ stripe: Int, _ body: () throws -> T) rethrows -> T {
        mutexes[stripe].lock()
        defer { mutexes[stripe].unlock() }
        return try body()
    }

    /// Runs `body` holding every stripe: no item write is in progress meanwhile.
    func withAllLocks<T>(_ body: () throws -> T) rethrows -> T {
        try withLocks(Array(0..<count), body)
    }
}
