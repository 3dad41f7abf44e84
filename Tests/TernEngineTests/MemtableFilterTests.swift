import Synchronization
import Testing
import TernTesting
@_spi(Benchmarks) @testable import TernEngine

/// The memtable's key filter: never a false negative, few false positives, and a memtable with
/// one answers exactly like a memtable without, also while a writer adds keys.
@Suite struct MemtableFilterTests {
    @Test func noFalseNegativesAndFewFalsePositives() {
        var generator = SeededGenerator.fromEnvironment("memtable-filter")
        let keyCount = 20_000
        // 10 bits per key, the sparsest the default sizing reaches with 32-byte entries.
        let filter = MemtableFilter(bytes: keyCount * 10 / 8)
        var keys = Set<[UInt8]>()
        while keys.count < keyCount { keys.insert(generator.bytes(Int.random(in: 0...40, using: &generator))) }
        for key in keys { key.withUnsafeBytes { filter.insert($0) } }
        for key in keys {
            let found = key.withUnsafeBytes { filter.mayContain($0) }
            #expect(found, "false negative for \(hex(key))")
        }
        var falsePositives = 0
        var probes = 0
        while probes < 50_000 {
            let key = generator.bytes(Int.random(in: 1...40, using: &generator))
            if keys.contains(key) { continue }
            probes += 1
            if key.withUnsafeBytes({ filter.mayContain($0) }) { falsePositives += 1 }
        }
        // A blocked filter at 10 bits/key and 6 probes: about 1%; 2% leaves room for the seed.
        #expect(Double(falsePositives) / Double(probes) < 0.02, "\(falsePositives) false positives in \(probes)")
    }

    @Test func sizingFollowsTheBudgetAndIsCharged() {
        #expect(MemtableFilter.bytes(forBudget: 64 << 20) == 2 << 20)
        #expect(MemtableFilter.bytes(forBudget: 100) == 64)
        #expect(MemtableFilter(bytes: 100).byteCount == 64)
        var options = StoreOptions()
        options.memtableBudgetBytes = 4 << 20
        let memtable = Memtable.forStore(options)
        // The filter counts against the memtable's budget.
        #expect(memtable.memoryUsage >= 128 << 10)
    }

    /// Seeded histories of puts and deletes (empty keys, shared prefixes, long keys): a tiny
    /// filter (mostly false positives), a roomy one and none answer every lookup the same.
    @Test func memtablesWithAndWithoutFilterAgree() {
        var generator = SeededGenerator.fromEnvironment("memtable-filter-model")
        let memtables = [Memtable(), Memtable(filterBytes: 64), Memtable(filterBytes: 64 << 10)]
        var written: [[UInt8]] = []
        for sequence in 1...4000 {
            let key: [UInt8]
            if !written.isEmpty && Int.random(in: 0..<3, using: &generator) == 0 {
                key = written[Int.random(in: 0..<written.count, using: &generator)]
            } else {
                key = Array("user-".utf8) + generator.bytes(Int.random(in: 0...(sequence % 7 == 0 ? 90 : 12), using: &generator))
                written.append(key)
            }
            let kind: ValueKind = Int.random(in: 0..<6, using: &generator) == 0 ? .deletion : .value
            let value = generator.bytes(Int.random(in: 0...30, using: &generator))
            for memtable in memtables {
                key.withUnsafeBytes { key in
                    value.withUnsafeBytes { memtable.add(sequence: SequenceNumber(UInt64(sequence)), kind: kind, key: key, value: $0) }
                }
            }
        }
        for _ in 0..<6000 {
            let key = Bool.random(using: &generator) && !written.isEmpty
                ? written[Int.random(in: 0..<written.count, using: &generator)]
                : Array("user-".utf8) + generator.bytes(Int.random(in: 0...12, using: &generator))
            let snapshot = SequenceNumber(UInt64.random(in: 0...4001, using: &generator))
            let answers = memtables.map { memtable in key.withUnsafeBytes { memtable.get(userKey: $0, snapshot: snapshot) } }
            #expect(answers[1] == answers[0], "key \(hex(key)) at \(snapshot.rawValue)")
            #expect(answers[2] == answers[0], "key \(hex(key)) at \(snapshot.rawValue)")
        }
    }

    /// A reader that learns (acquire) that key n was added finds it: the filter's bits are
    /// visible no later than the node (set before its release publication).
    @Test func readersFindEveryKeyTheWriterPublished() async {
        let memtable = Memtable(filterBytes: 4 << 10)
        let published = PublishedCount()
        let total = 10_000
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 1...total {
                    Array("key\(index)".utf8).withUnsafeBytes { key in
                        Array("v".utf8).withUnsafeBytes {
                            memtable.add(sequence: SequenceNumber(UInt64(index)), kind: .value, key: key, value: $0)
                        }
                    }
                    published.value.store(index, ordering: .releasing)
                }
            }
            for reader in 0..<2 {
                group.addTask {
                    var generator = SeededGenerator(seed: UInt64(reader) + 7)
                    var checked = 0
                    while checked < 10_000 {
                        let visible = published.value.load(ordering: .acquiring)
                        guard visible > 0 else { continue }
                        let index = Int.random(in: 1...visible, using: &generator)
                        let result = Array("key\(index)".utf8).withUnsafeBytes {
                            memtable.get(userKey: $0, snapshot: SequenceNumber(UInt64(total)))
                        }
                        #expect(result == .found(Array("v".utf8)), "key\(index) published but not found")
                        checked += 1
                    }
                }
            }
        }
    }
}

/// How many keys the writer has added (an `Atomic` tasks can share).
private final class PublishedCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Backward steps follow the level-0 `prev` links (memtable invariant 4).
@Suite struct MemtableBackwardLinkTests {
    /// A reader walking backward while the writer inserts keys in random order sees keys in
    /// strictly descending order, and every key published before the walk started.
    @Test func backwardWalksSeeEveryPublishedKeyWhileTheWriterInserts() async {
        var generator = SeededGenerator.fromEnvironment("memtable-prev")
        let memtable = Memtable()
        let published = PublishedCount()
        let order = (0..<20_000).map { $0 }.shuffled(using: &generator)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for (index, key) in order.enumerated() {
                    Array("k\(100_000 + key)".utf8).withUnsafeBytes { key in
                        Array("v".utf8).withUnsafeBytes {
                            memtable.add(sequence: SequenceNumber(UInt64(index + 1)), kind: .value, key: key, value: $0)
                        }
                    }
                    published.value.store(index + 1, ordering: .releasing)
                }
            }
            group.addTask {
                for _ in 0..<15 {
                    let before = published.value.load(ordering: .acquiring)
                    let mustSee = Set(order.prefix(before).map { Array("k\(100_000 + $0)".utf8) })
                    var iterator = memtable.makeIterator()
                    iterator.seekToLast()
                    var previous: [UInt8]?
                    var seen = Set<[UInt8]>()
                    while iterator.isValid {
                        let key = Array(iterator.key)
                        if let previous { #expect(compareInternal(key, previous) < 0, "not descending") }
                        seen.insert(Array(key.dropLast(8)))
                        previous = key
                        iterator.prev()
                    }
                    #expect(mustSee.isSubset(of: seen), "a backward walk missed a key published before it")
                }
            }
        }
    }
}
