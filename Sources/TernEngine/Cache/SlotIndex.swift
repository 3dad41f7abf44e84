/// A hash index from block-cache keys to slot numbers: open addressing with linear probing and
/// backward-shift deletion, hashed with a multiply-xorshift mix.
///
/// Why not `Dictionary`: its per-lookup SipHash (seed, combine, finalize) cost more than the rest
/// of a cache hit (~6% of a read-heavy profile). Keys here are not attacker-chosen (file offsets
/// and table ids), so a fast non-cryptographic hash is enough.
struct SlotIndex {
    private var keys: [BlockCacheKey]
    /// -1 marks an empty bucket.
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: BlockCacheKey(tableID: 0, offset: 0), count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func hash(_ key: BlockCacheKey) -> Int {
        var h = key.tableID &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: key.offset) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    subscript(key: BlockCacheKey) -> Int32? {
        var bucket = SlotIndex.hash(key) & mask
        while values[bucket] >= 0 {
            if keys[bucket] == key { return values[bucket] }
            bucket = (bucket + 1) & mask
        }
        return nil
    }

    mutating func set(_ key: BlockCacheKey, _ value: Int32) {
        precondition(value >= 0)
        if (count + 1) * 2 > values.count { grow() }
        var bucket = SlotIndex.hash(key) & mask
        while values[bucket] >= 0 {
            if keys[bucket] == key {
                values[bucket] = value
                return
            }
            bucket = (bucket + 1) & mask
        }
        keys[bucket] = key
        values[bucket] = value
        count += 1
    }

    mutating func remove(_ key: BlockCacheKey) {
        var bucket = SlotIndex.hash(key) & mask
        while values[bucket] >= 0 {
            if keys[bucket] == key { break }
            bucket = (bucket + 1) & mask
        }
        guard values[bucket] >= 0 else { return }
        // Backward shift: pull later entries of the probe run into the hole, so lookups never
        // need tombstones.
        var hole = bucket
        var next = (hole + 1) & mask
        while values[next] >= 0 {
            let home = SlotIndex.hash(keys[next]) & mask
            // Move `next` into the hole unless its home lies cyclically in (hole, next].
            let distanceToNext = (next - home) & mask
            let distanceToHole = (hole - home) & mask
            if distanceToHole < distanceToNext {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        values[hole] = -1
        count -= 1
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let size = values.count * 2
        keys = Array(repeating: BlockCacheKey(tableID: 0, offset: 0), count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
        count = 0
        for bucket in oldValues.indices where oldValues[bucket] >= 0 { set(oldKeys[bucket], oldValues[bucket]) }
    }
}
