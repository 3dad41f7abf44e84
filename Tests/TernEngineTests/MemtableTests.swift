import Testing
import TernTesting
@_spi(Benchmarks) @testable import TernEngine

@Suite struct MemtableTests {
    func add(_ memtable: Memtable, _ key: String, _ sequence: UInt64, _ kind: ValueKind, _ value: String = "") {
        Array(key.utf8).withUnsafeBytes { key in
            Array(value.utf8).withUnsafeBytes { value in
                memtable.add(sequence: SequenceNumber(sequence), kind: kind, key: key, value: value)
            }
        }
    }

    func get(_ memtable: Memtable, _ key: String, at sequence: UInt64) -> LookupResult {
        Array(key.utf8).withUnsafeBytes { memtable.get(userKey: $0, snapshot: SequenceNumber(sequence)) }
    }

    @Test func newestVisibleVersionWins() {
        let memtable = Memtable()
        add(memtable, "a", 1, .value, "one")
        add(memtable, "a", 3, .value, "three")
        add(memtable, "a", 5, .deletion)
        add(memtable, "b", 2, .value, "")
        #expect(get(memtable, "a", at: 0) == .notFound)
        #expect(get(memtable, "a", at: 2) == .found(Array("one".utf8)))
        #expect(get(memtable, "a", at: 4) == .found(Array("three".utf8)))
        #expect(get(memtable, "a", at: 9) == .deleted)
        #expect(get(memtable, "b", at: 9) == .found([]))
        #expect(get(memtable, "", at: 9) == .notFound)
        #expect(get(memtable, "c", at: 9) == .notFound)
    }

    @Test func emptyKeyAndLargeValue() {
        let memtable = Memtable()
        let big = String(repeating: "x", count: Arena.chunkSize)
        add(memtable, "", 1, .value, big)
        #expect(get(memtable, "", at: 1) == .found(Array(big.utf8)))
        #expect(memtable.memoryUsage >= Arena.chunkSize)
        #expect(memtable.memoryUsage < Arena.chunkSize + 256)
    }

    @Test func iteratesInInternalKeyOrderBothWays() {
        var generator = SeededGenerator.fromEnvironment("memtable-order")
        let memtable = Memtable()
        var expected: [[UInt8]] = []
        for sequence in 1...2000 {
            let key = generator.bytes(Int.random(in: 0...6, using: &generator))
            add(memtable, String(decoding: key, as: UTF8.self), UInt64(sequence), .value, "v")
            expected.append(InternalKey.encode(Array(String(decoding: key, as: UTF8.self).utf8), SequenceNumber(UInt64(sequence)), .value))
        }
        Self.expectIteratesInOrder(memtable, expected, probeEvery: 97)
    }

    /// Appends after the largest key take the tail shortcut; interleaved inserts in the middle
    /// must keep every level's tail right, so order and lookups stay exact.
    @Test func sequentialAppendsMixedWithMiddleInserts() {
        var generator = SeededGenerator.fromEnvironment("memtable-append")
        let memtable = Memtable()
        var expected: [[UInt8]] = []
        var next = 1_000_000
        for sequence in 1...3000 {
            let key: String
            if Int.random(in: 0..<4, using: &generator) == 0 {
                key = "k\(Int.random(in: 0..<next, using: &generator))"  // somewhere in the middle
            } else {
                next += Int.random(in: 1...3, using: &generator)
                key = "k\(next)"  // after everything
            }
            add(memtable, key, UInt64(sequence), .value, "v")
            expected.append(InternalKey.encode(Array(key.utf8), SequenceNumber(UInt64(sequence)), .value))
        }
        Self.expectIteratesInOrder(memtable, expected, probeEvery: 53)
    }

    /// Forward and backward iteration yield exactly `expected` sorted, and a seek to every
    /// `probeEvery`-th key lands on it (the first key >= target).
    static func expectIteratesInOrder(_ memtable: Memtable, _ unsorted: [[UInt8]], probeEvery: Int) {
        let expected = unsorted.sorted { compareInternal($0, $1) < 0 }
        var iterator = memtable.makeIterator()
        var forward: [[UInt8]] = []
        iterator.seekToFirst()
        while iterator.isValid { forward.append(Array(iterator.key)); iterator.next() }
        let forwardMatches = forward == expected  // a Bool, so a failure prints one line
        #expect(forwardMatches, "forward order differs first at \(forward.indices.first { $0 >= expected.count || forward[$0] != expected[$0] } ?? forward.count)")
        var backward: [[UInt8]] = []
        iterator.seekToLast()
        while iterator.isValid { backward.append(Array(iterator.key)); iterator.prev() }
        let backwardMatches = backward == expected.reversed()
        #expect(backwardMatches, "backward order differs (\(backward.count) vs \(expected.count) entries)")
        for probe in expected.indices.filter({ $0 % probeEvery == 0 }) {
            expected[probe].withUnsafeBytes { iterator.seek($0) }
            #expect(Array(iterator.key) == expected[probe])
        }
    }

    @Test func readersRunConcurrentlyWithTheWriter() async {
        let memtable = Memtable()
        let total = 20_000
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 1...total {
                    self.add(memtable, "key\(index)", UInt64(index), .value, "value\(index)")
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    // Whatever a reader finds must be complete and in order.
                    for _ in 0..<20 {
                        var iterator = memtable.makeIterator()
                        iterator.seekToFirst()
                        var previous: [UInt8]?
                        while iterator.isValid {
                            let key = Array(iterator.key)
                            if let previous { #expect(compareInternal(previous, key) < 0) }
                            let user = String(decoding: key.dropLast(8), as: UTF8.self)
                            #expect(String(decoding: Array(iterator.value), as: UTF8.self) == "value" + user.dropFirst(3))
                            previous = key
                            iterator.next()
                        }
                    }
                }
            }
        }
        #expect(memtable.count == total)
    }
}

@Suite struct CompareBytesTests {
    /// The word-at-a-time comparison must order exactly like byte-wise comparison, at every
    /// length around the 8-byte steps and the memcmp tail.
    @Test func matchesLexicographicOrder() {
        var generator = SeededGenerator.fromEnvironment("compare-bytes")
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let a = generator.bytes(length)
            var b = a
            if !b.isEmpty && Bool.random(using: &generator) {
                b[Int.random(in: 0..<b.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { b = Array(b.prefix(Int.random(in: 0...b.count, using: &generator))) }
            let expected = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
            #expect(compareBytes(a, b) == expected, "\(a) vs \(b)")
            #expect(compareBytes(b, a) == -expected)
        }
    }
}

@Suite struct BlockCacheTests {
    /// The open-addressing index against a Dictionary, through random inserts, updates and
    /// removals (removal's backward shift is the subtle part).
    @Test func slotIndexMatchesADictionary() {
        var generator = SeededGenerator.fromEnvironment("slot-index")
        var index = SlotIndex()
        var model: [BlockCacheKey: Int32] = [:]
        for step in 0..<50_000 {
            let key = BlockCacheKey(tableID: UInt64.random(in: 1...4, using: &generator), offset: Int.random(in: 0..<600, using: &generator) * 4096)
            if Int.random(in: 0..<3, using: &generator) == 0 {
                index.remove(key)
                model[key] = nil
            } else {
                let value = Int32(step % 1_000_000)
                index.set(key, value)
                model[key] = value
            }
            if step % 1000 == 0 {
                #expect(index.count == model.count)
                for (key, value) in model { #expect(index[key] == value) }
            }
        }
    }

    @Test func evictsLeastRecentlyUsedWithinTheBudget() throws {
        func block(_ fill: UInt8) throws -> Block {
            var builder = BlockBuilder(restartInterval: 16)
            let key = InternalKey.encode([fill], SequenceNumber(1), .value)
            let value = [UInt8](repeating: fill, count: 900)
            key.withUnsafeBytes { key in value.withUnsafeBytes { value in builder.add(key: key, value: value) } }
            builder.finish()
            return try Block.make(copying: builder.contents)
        }
        let cache = BlockCache(capacityBytes: BlockCache.shardCount * 2500)  // ~2 blocks a shard
        let keys = (0..<200).map { BlockCacheKey(tableID: 1, offset: $0 * 4096) }
        for (index, key) in keys.enumerated() { cache.insert(key, try block(UInt8(index))) }
        #expect(cache.usedBytes <= cache.capacityBytes)
        #expect(cache.lookup(keys[199]) != nil, "the newest block was evicted")
        #expect(cache.lookup(keys[0]) == nil, "the oldest block survived a full cache")
        #expect(cache.hits == 1 && cache.misses == 1)
    }
}
