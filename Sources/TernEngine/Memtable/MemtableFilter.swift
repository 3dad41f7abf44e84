import CTernSupport

/// A Bloom filter of the user keys in one memtable, so a lookup of a key the memtable does not
/// hold costs one cache line instead of a skiplist search (20–30 dependent cache misses in a
/// memtable of a few hundred thousand entries). Most point lookups of a store miss the active
/// and immutable memtables (the key is older), and every lookup of an absent key does.
///
/// Cache-line blocked (Putze, Sanders, Singler: "Cache-, Hash- and Space-Efficient Bloom
/// Filters"): a key's `probeCount` bits all lie in one 64-byte block, chosen by the hash. Never
/// a false negative; false positives (a skiplist search that finds nothing) stay below 1% while
/// the memtable holds fewer keys than `bitCount / 10`.
///
/// Concurrency: the memtable's single writer sets bits (relaxed atomic load and store: no
/// read-modify-write is needed with one writer); readers load them relaxed. A key's bits are set
/// before its node is published with a release store, and a reader looks only for keys whose
/// batch is at or below the sequence it loaded with acquire ordering after that publication, so
/// it sees their bits (memtable invariant 2). Bits are never cleared.
final class MemtableFilter: Sendable {
    static let blockBits = 512
    static let probeCount = 6

    /// 8 words per block, 64-byte aligned; lives as long as the memtable.
    private nonisolated(unsafe) let words: UnsafeMutablePointer<UInt64>
    private let blockCount: Int

    /// Bytes the filter occupies (charged to the memtable's budget).
    let byteCount: Int

    /// A filter of about `bytes` bytes (rounded down to whole 64-byte blocks, at least one).
    init(bytes: Int) {
        blockCount = max(1, bytes / 64)
        byteCount = blockCount * 64
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        raw.initializeMemory(as: UInt64.self, repeating: 0, count: blockCount * 8)
        words = raw.assumingMemoryBound(to: UInt64.self)
    }

    deinit {
        UnsafeMutableRawPointer(words).deallocate()
    }

    /// The filter size for a memtable budget: 1/32 of it, 64 bytes at least (about 30 bits per
    /// key for 100-byte entries, 10 for entries of 32 bytes).
    static func bytes(forBudget budget: Int) -> Int {
        max(64, budget / 32)
    }

    /// Records `userKey`. REQUIRES: the caller is the memtable's only writer.
    func insert(_ userKey: UnsafeRawBufferPointer) {
        let hash = MemtableFilter.hash(userKey)
        let block = words + blockIndex(hash) * 8
        var bits = MemtableFilter.probeBits(hash)
        for _ in 0..<MemtableFilter.probeCount {
            let bit = Int(bits & 511)
            bits >>= 9
            let word = block + (bit >> 6)
            let old = tern_atomic_load_relaxed_u64(word)
            tern_atomic_store_relaxed_u64(word, old | (1 << UInt64(bit & 63)))
        }
    }

    /// Whether `userKey` may be in the memtable (`false`: certainly not).
    func mayContain(_ userKey: UnsafeRawBufferPointer) -> Bool {
        let hash = MemtableFilter.hash(userKey)
        let block = words + blockIndex(hash) * 8
        var bits = MemtableFilter.probeBits(hash)
        for _ in 0..<MemtableFilter.probeCount {
            let bit = Int(bits & 511)
            bits >>= 9
            if tern_atomic_load_relaxed_u64(block + (bit >> 6)) & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    @inline(__always)
    private func blockIndex(_ hash: UInt64) -> Int {
        // Multiply-high maps the hash onto 0..<blockCount without a division.
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(blockCount)).high)
    }

    /// Bits for the probes, 9 per probe, independent of the block choice (which uses the high
    /// bits through the multiplication).
    @inline(__always)
    private static func probeBits(_ hash: UInt64) -> UInt64 {
        (hash &* 0xC2B2_AE3D_27D4_EB4F) ^ (hash >> 29)
    }

    /// A 64-bit hash of the key's bytes: 8 bytes at a time, multiply and rotate, then a final
    /// avalanche (keys are not attacker-chosen in a way that matters here: a collision only
    /// costs a skiplist search).
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var offset = 0
        let count = key.count
        if let base = key.baseAddress {
            while offset + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                hash = ((hash ^ word) &* 0x8775_2F9A_3A3C_C9A5)
                hash = (hash << 29) | (hash >> 35)
                offset += 8
            }
            if offset < count {
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while offset < count {
                    tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
                    shift += 8
                    offset += 1
                }
                hash = (hash ^ tail) &* 0x8775_2F9A_3A3C_C9A5
            }
        }
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash = hash &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}
