import CTernSupport
import Synchronization

/// The in-memory sorted buffer of recent writes: a skiplist of internal keys (LevelDB's design)
/// whose nodes live in an `Arena`.
///
/// Back of the envelope: at 1M entries a lookup touches ~log4(1M) * 2 ≈ 20–30 nodes, each a
/// cache miss (~100 ns) — a few µs, no allocation, no lock. An insert is the same search plus
/// one arena bump and `height` release stores.
///
/// Concurrency invariants:
/// 1. One writer at a time (the store's write path holds the write lock), any number of readers.
/// 2. A node is fully written (key, value, its own next pointers) before it is published by a
///    release store into its predecessor; readers follow pointers with acquire loads, so they
///    never see a half-written node.
/// 3. Nodes are never removed, and never modified after publication except their `prev` link,
///    and the arena outlives every iterator (iterators hold the memtable).
/// 4. Level 0 is also linked backward: a node's `prev` is written before the node is published,
///    and its successor's `prev` is switched to it (release) right after. A reader stepping back
///    from a node may still see the older predecessor only for nodes inserted after the read's
///    sequence was published (the store publishes a batch's sequence after its inserts), which it
///    does not show anyway. So `prev` is one load, not a search from the head (LevelDB's and
///    RocksDB's skiplists search: 20–30 cache misses per step of a backward scan).
///
/// Node layout in the arena (8-byte aligned):
///
///     keyLength u32 | valueLength u32 | height u8, 7 bytes padding | prev u64 | next[height] u64 | key | value
@_spi(Benchmarks) public final class Memtable: Sendable {
    static let maxHeight = 12
    static let branching: UInt64 = 4

    private let arena = Arena()
    /// Immutable after init; readers follow it under invariant 2.
    private nonisolated(unsafe) let head: UnsafeMutableRawPointer
    private let currentHeight = Atomic<Int>(1)
    /// Writer-only state (invariant 1).
    private nonisolated(unsafe) var randomState: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Writer-only: the last node of each level (`head` for an empty level).
    private nonisolated(unsafe) let tails: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private let entryCount = Atomic<Int>(0)
    /// The user keys added, so a lookup of an absent key skips the skiplist (nil: no filter).
    private let filter: MemtableFilter?

    /// A memtable without a key filter.
    @_spi(Benchmarks) public convenience init() {
        self.init(filterBytes: 0)
    }

    /// A memtable with a key filter of about `filterBytes` bytes (none when 0).
    init(filterBytes: Int) {
        head = Memtable.makeNode(in: arena, keyLength: 0, valueLength: 0, height: Memtable.maxHeight)
        tails = .allocate(capacity: Memtable.maxHeight)
        tails.initialize(repeating: head, count: Memtable.maxHeight)
        filter = filterBytes > 0 ? MemtableFilter(bytes: filterBytes) : nil
    }

    /// A memtable for a store with `options`: its key filter sized from the memtable budget.
    static func forStore(_ options: StoreOptions) -> Memtable {
        Memtable(filterBytes: MemtableFilter.bytes(forBudget: options.memtableBudgetBytes))
    }

    deinit {
        tails.deallocate()
    }

    /// Bytes of memory the memtable holds (its entries and its key filter).
    var memoryUsage: Int { arena.memoryUsage + (filter?.byteCount ?? 0) }

    /// Entries added so far.
    var count: Int { entryCount.load(ordering: .relaxed) }

    var isEmpty: Bool { count == 0 }

    // MARK: Writing (single writer)

    /// Adds an entry. REQUIRES: the caller is the only writer; (key, sequence) is new.
    @_spi(Benchmarks) public func add(sequence: SequenceNumber, kind: ValueKind, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let internalKeyLength = key.count + InternalKey.trailerSize
        let height = randomHeight()
        let node = Memtable.makeNode(in: arena, keyLength: internalKeyLength, valueLength: value.count, height: height)
        let keyStart = Memtable.keyPointer(node)
        if key.count > 0 { keyStart.copyMemory(from: key.baseAddress!, byteCount: key.count) }
        (keyStart + key.count).storeBytes(
            of: InternalKey.trailer(sequence, kind).littleEndian, as: UInt64.self)
        if value.count > 0 { (keyStart + internalKeyLength).copyMemory(from: value.baseAddress!, byteCount: value.count) }
        // Before the node is published (invariant 2 covers the filter's bits too).
        filter?.insert(key)

        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer.self, capacity: Memtable.maxHeight) { previous in
            let last = tails[0]
            if last != head && InternalKey.compare(Memtable.key(node), Memtable.key(last)) > 0 {
                // Appending after the largest key (sequential loads): the last node of each
                // level is the predecessor, no search needed (RocksDB's insert hint, in effect).
                previous.baseAddress!.update(from: tails, count: Memtable.maxHeight)
            } else {
                _ = findGreaterOrEqual(Memtable.key(node), previous: previous)
            }
            let oldHeight = currentHeight.load(ordering: .relaxed)
            if height > oldHeight {
                for level in oldHeight..<height { previous[level] = head }
                // Readers that see the new height before the node find head's null pointers at
                // the new levels and drop down: harmless (LevelDB's argument).
                currentHeight.store(height, ordering: .relaxed)
            }
            Memtable.setPrevRelaxed(node, previous[0])
            var successorAtLevel0: UnsafeMutableRawPointer?
            for level in 0..<height {
                let successor = Memtable.next(previous[level], level)
                Memtable.setNextRelaxed(node, level, successor)
                Memtable.setNextRelease(previous[level], level, node)
                if successor == nil { tails[level] = node }
                if level == 0 { successorAtLevel0 = successor }
            }
            // Invariant 4: the backward link, after the node is reachable forward.
            if let successorAtLevel0 { Memtable.setPrevRelease(successorAtLevel0, node) }
        }
        entryCount.wrappingAdd(1, ordering: .relaxed)
    }

    private func randomHeight() -> Int {
        var height = 1
        while height < Memtable.maxHeight {
            // xorshift64*: cheap and good enough for level choice.
            randomState ^= randomState >> 12
            randomState ^= randomState << 25
            randomState ^= randomState >> 27
            if (randomState &* 0x2545_F491_4F6C_DD1D) % Memtable.branching != 0 { break }
            height += 1
        }
        return height
    }

    // MARK: Reading (lock-free)

    /// The newest entry for `userKey` visible at `snapshot`.
    @_spi(Benchmarks) public func get(userKey: UnsafeRawBufferPointer, snapshot: SequenceNumber) -> LookupResult {
        if let filter, !filter.mayContain(userKey) { return .notFound }
        let found: UnsafeMutableRawPointer? = withLookupKey(userKey, snapshot) { lookup in
            findGreaterOrEqual(lookup, previous: nil)
        }
        guard let node = found else { return .notFound }
        let key = Memtable.key(node)
        guard compareBytes(InternalKey.userKey(key), userKey) == 0,
              let (_, kind) = InternalKey.decodeTrailer(key) else { return .notFound }
        switch kind {
        case .deletion: return .deleted
        case .value: return .found(Array(Memtable.value(node)))
        }
    }

    /// The first node whose key is >= `target`; fills `previous[level]` with the last node < target
    /// at each level when asked.
    fileprivate func findGreaterOrEqual(
        _ target: UnsafeRawBufferPointer, previous: UnsafeMutableBufferPointer<UnsafeMutableRawPointer>?
    ) -> UnsafeMutableRawPointer? {
        var node = head
        var level = currentHeight.load(ordering: .relaxed) - 1
        while true {
            let next = Memtable.next(node, level)
            if let next, InternalKey.compare(Memtable.key(next), target) < 0 {
                node = next
                continue
            }
            previous?[level] = node
            if level == 0 { return next }
            level -= 1
        }
    }

    /// The node before `node` at level 0 (invariant 4), or `nil` when `node` is the first.
    fileprivate func previousNode(_ node: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        guard let previous = Memtable.prev(node), previous != head else { return nil }
        return previous
    }

    /// The last node, or `nil` when empty.
    fileprivate func findLast() -> UnsafeMutableRawPointer? {
        var node = head
        var level = currentHeight.load(ordering: .relaxed) - 1
        while true {
            if let next = Memtable.next(node, level) {
                node = next
                continue
            }
            if level == 0 { return node == head ? nil : node }
            level -= 1
        }
    }

    fileprivate func first() -> UnsafeMutableRawPointer? {
        Memtable.next(head, 0)
    }

    /// An iterator over the memtable's internal keys; it keeps the memtable alive.
    func makeIterator() -> MemtableIterator {
        MemtableIterator(memtable: self)
    }

    // MARK: Node access

    private static let prevOffset = 16
    private static let nextOffset = 24

    private static func makeNode(in arena: Arena, keyLength: Int, valueLength: Int, height: Int) -> UnsafeMutableRawPointer {
        let size = nextOffset + height * 8 + keyLength + valueLength
        let node = arena.allocate(size)
        node.storeBytes(of: UInt32(keyLength), as: UInt32.self)
        node.storeBytes(of: UInt32(valueLength), toByteOffset: 4, as: UInt32.self)
        node.storeBytes(of: UInt8(height), toByteOffset: 8, as: UInt8.self)
        return node
    }

    @inline(__always)
    private static func keyPointer(_ node: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let height = Int(node.load(fromByteOffset: 8, as: UInt8.self))
        return node + (nextOffset + height * 8)
    }

    @inline(__always)
    fileprivate static func key(_ node: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        let length = Int(node.load(as: UInt32.self))
        return UnsafeRawBufferPointer(start: keyPointer(node), count: length)
    }

    @inline(__always)
    fileprivate static func value(_ node: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
        let keyLength = Int(node.load(as: UInt32.self))
        let valueLength = Int(node.load(fromByteOffset: 4, as: UInt32.self))
        return UnsafeRawBufferPointer(start: keyPointer(node) + keyLength, count: valueLength)
    }

    @inline(__always)
    private static func nextSlot(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutablePointer<UInt64> {
        (node + (nextOffset + level * 8)).assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always)
    fileprivate static func next(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(tern_atomic_load_acquire_u64(nextSlot(node, level))))
    }

    @inline(__always)
    private static func prevSlot(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt64> {
        (node + prevOffset).assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always)
    fileprivate static func prev(_ node: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(tern_atomic_load_acquire_u64(prevSlot(node))))
    }

    @inline(__always)
    private static func setPrevRelaxed(_ node: UnsafeMutableRawPointer, _ target: UnsafeMutableRawPointer) {
        tern_atomic_store_relaxed_u64(prevSlot(node), UInt64(UInt(bitPattern: target)))
    }

    @inline(__always)
    private static func setPrevRelease(_ node: UnsafeMutableRawPointer, _ target: UnsafeMutableRawPointer) {
        tern_atomic_store_release_u64(prevSlot(node), UInt64(UInt(bitPattern: target)))
    }

    @inline(__always)
    private static func setNextRelease(_ node: UnsafeMutableRawPointer, _ level: Int, _ target: UnsafeMutableRawPointer) {
        tern_atomic_store_release_u64(nextSlot(node, level), UInt64(UInt(bitPattern: target)))
    }

    @inline(__always)
    private static func setNextRelaxed(_ node: UnsafeMutableRawPointer, _ level: Int, _ target: UnsafeMutableRawPointer?) {
        tern_atomic_store_relaxed_u64(nextSlot(node, level), UInt64(UInt(bitPattern: target)))
    }
}

/// Builds the internal lookup key (userKey, snapshot, seek kind) on the stack and calls `body`.
@inline(__always)
func withLookupKey<R>(_ userKey: UnsafeRawBufferPointer, _ snapshot: SequenceNumber, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    let length = userKey.count + InternalKey.trailerSize
    return withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { buffer in
        if userKey.count > 0 { buffer.baseAddress!.copyMemory(from: userKey.baseAddress!, byteCount: userKey.count) }
        buffer.storeBytes(
            of: InternalKey.trailer(snapshot, .forSeek).littleEndian, toByteOffset: userKey.count, as: UInt64.self)
        return body(UnsafeRawBufferPointer(buffer))
    }
}

/// A cursor over a memtable in internal-key order. Key and value views stay valid as long as
/// the iterator (which holds the memtable) lives, even after it moves.
struct MemtableIterator {
    let memtable: Memtable
    private var node: UnsafeMutableRawPointer?

    init(memtable: Memtable) {
        self.memtable = memtable
    }

    var isValid: Bool { node != nil }
    var key: UnsafeRawBufferPointer { Memtable.key(node!) }
    var value: UnsafeRawBufferPointer { Memtable.value(node!) }

    mutating func seekToFirst() { node = memtable.first() }
    mutating func seekToLast() { node = memtable.findLast() }
    mutating func seek(_ target: UnsafeRawBufferPointer) { node = memtable.findGreaterOrEqual(target, previous: nil) }
    mutating func next() { node = Memtable.next(node!, 0) }
    mutating func prev() { node = memtable.previousNode(node!) }
}

/// The outcome of a point lookup in one component of the tree (memtable or SSTable).
@_spi(Benchmarks) public enum LookupResult: Sendable, Equatable {
    /// The newest visible record holds this value.
    case found([UInt8])
    /// The newest visible record is a deletion: stop looking in older components.
    case deleted
    /// This component knows nothing of the key: look in older components.
    case notFound
}
