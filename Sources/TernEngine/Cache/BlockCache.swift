import Synchronization

/// Identifies a cached block: the table's cache id (unique per opened SSTable) and the block's
/// offset in its file.
struct BlockCacheKey: Hashable {
    let tableID: UInt64
    let offset: Int
}

/// Decoded data blocks shared by every reader, bounded by a byte budget and evicted in least-
/// recently-used order. Sharded by key hash so concurrent readers rarely meet on one lock.
///
/// Back of the envelope: a hit costs one hash, one uncontended lock and two index updates in an
/// intrusive list (~50–100 ns); a miss is a `pread` + CRC + LZ4 decode (~4 µs). Entries are
/// slots in arrays (no per-entry objects beyond the block itself), linked by indices.
///
/// Thread safety: each shard's state sits behind its own `Mutex`.
final class BlockCache: Sendable {
    static let shardCount = 16

    private let shards: [ShardBox]
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)
    private let nextTableID = Atomic<UInt64>(1)
    let capacityBytes: Int

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        let perShard = max(capacityBytes / BlockCache.shardCount, 1)
        shards = (0..<BlockCache.shardCount).map { _ in ShardBox(Shard(capacityBytes: perShard)) }
    }

    /// A fresh id for a newly opened table: blocks of a reopened file never alias old entries.
    func newTableID() -> UInt64 {
        nextTableID.add(1, ordering: .relaxed).newValue
    }

    var hits: Int { hitCount.load(ordering: .relaxed) }
    var misses: Int { missCount.load(ordering: .relaxed) }
    var usedBytes: Int { shards.reduce(0) { total, shard in total + shard.state.withLock { $0.usedBytes } } }

    private func shard(_ key: BlockCacheKey) -> Int {
        // Mix the offset: consecutive blocks of one table spread across shards.
        let mixed = (key.tableID &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(key.offset) &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: mixed >> 60) & (BlockCache.shardCount - 1)
    }

    func lookup(_ key: BlockCacheKey) -> Block? {
        let block = shards[shard(key)].state.withLock { $0.lookup(key) }
        if block != nil { hitCount.add(1, ordering: .relaxed) } else { missCount.add(1, ordering: .relaxed) }
        return block?.block
    }

    func insert(_ key: BlockCacheKey, _ block: Block) {
        let charge = block.byteCount + 96  // the block plus its bookkeeping
        shards[shard(key)].state.withLock { $0.insert(key, SharedBlock(block: block), charge: charge) }
    }
}

/// A shard's lock and state (a `Mutex` cannot sit in an array directly).
final class ShardBox: Sendable {
    let state: Mutex<Shard>
    init(_ shard: consuming Shard) { state = Mutex(shard) }
}

/// One shard: a dictionary from key to slot, and an LRU list threaded through the slots.
struct Shard {
    struct Slot {
        var key: BlockCacheKey
        var block: SharedBlock?
        var charge: Int
        var previous: Int32
        var next: Int32
    }

    let capacityBytes: Int
    private(set) var usedBytes = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    private var index = SlotIndex()
    /// Most recently used end and least recently used end of the list (-1 when empty).
    private var head: Int32 = -1
    private var tail: Int32 = -1

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    mutating func lookup(_ key: BlockCacheKey) -> SharedBlock? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return slots[Int(slot)].block
    }

    mutating func insert(_ key: BlockCacheKey, _ block: SharedBlock, charge: Int) {
        guard charge <= capacityBytes else { return }
        if let existing = index[key] {
            unlink(existing)
            release(existing)
        }
        while usedBytes + charge > capacityBytes, tail >= 0 {
            let victim = tail
            unlink(victim)
            release(victim)
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = Slot(key: key, block: block, charge: charge, previous: -1, next: -1)
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(key: key, block: block, charge: charge, previous: -1, next: -1))
        }
        index.set(key, slot)
        usedBytes += charge
        pushFront(slot)
    }

    private mutating func release(_ slot: Int32) {
        let entry = slots[Int(slot)]
        index.remove(entry.key)
        usedBytes -= entry.charge
        slots[Int(slot)].block = nil
        freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let previous = slots[Int(slot)].previous
        let next = slots[Int(slot)].next
        if previous >= 0 { slots[Int(previous)].next = next } else { head = next }
        if next >= 0 { slots[Int(next)].previous = previous } else { tail = previous }
        slots[Int(slot)].previous = -1
        slots[Int(slot)].next = -1
    }

    private mutating func pushFront(_ slot: Int32) {
        slots[Int(slot)].next = head
        slots[Int(slot)].previous = -1
        if head >= 0 { slots[Int(head)].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard head != slot else { return }
        unlink(slot)
        pushFront(slot)
    }
}
