import Testing
import TernTesting
@testable import TernEngine

/// The store against a dictionary: thousands of random puts, deletes, batches, point reads,
/// range scans both ways, snapshots, flushes and reopens.
@Suite struct StoreModelTests {
    @Test func randomHistoryMatchesTheModel() throws {
        var generator = SeededGenerator.fromEnvironment("store-model")
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        var model = KeyValueModel()
        var snapshots: [(ReadSnapshot, KeyValueModel)] = []
        func randomKey() -> [UInt8] {
            let space = Int.random(in: 0..<10, using: &generator) == 0 ? 5 : 300
            return bytes("k\(Int.random(in: 0..<space, using: &generator))")
        }
        for step in 0..<4000 {
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<40:
                let key = randomKey()
                let value = generator.bytes(Int.random(in: 0..<(step % 50 == 0 ? 5000 : 40), using: &generator))
                try store.put(key, value, durability: .buffered)
                model.apply([.put(key, value)])
            case 40..<55:
                let key = randomKey()
                try store.delete(key, durability: .buffered)
                model.apply([.delete(key)])
            case 55..<65:
                var operations: [ModelOperation] = []
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    let key = randomKey()
                    operations.append(Bool.random(using: &generator) ? .put(key, generator.bytes(8)) : .delete(key))
                }
                try store.write(WriteBatch(operations), durability: Bool.random(using: &generator) ? .synced : .buffered)
                model.apply(operations)
            case 65..<80:
                let key = randomKey()
                #expect(try store.get(key) == model.get(key), "get at step \(step)")
            case 80..<88:
                var first = randomKey()
                var second = randomKey()
                if second.lexicographicallyPrecedes(first) { swap(&first, &second) }
                let reverse = Bool.random(using: &generator)
                let limit = Int.random(in: 1...50, using: &generator)
                let got = try store.scan(lowerBound: first, upperBound: second, reverse: reverse, limit: limit)
                let expected = Array(model.scan(lowerBound: first, upperBound: second, reverse: reverse).prefix(limit))
                let difference = firstDifference(got, expected)
                #expect(difference == nil, "scan at step \(step), reverse \(reverse), limit \(limit)")
            case 88..<92:
                if snapshots.count < 4 { snapshots.append((store.snapshot(), model)) }
            case 92..<95:
                if let (snapshot, old) = snapshots.popLast() {
                    let difference = firstDifference(try store.scan(snapshot: snapshot), old.scan())
                    #expect(difference == nil, "snapshot read at step \(step)")
                }
            case 95..<98:
                try store.flush()
            default:
                snapshots.removeAll()
                try store.close()
                store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
            }
        }
        #expect(try expectEqual(store, model, "final"))
        #expect(store.statistics.levelFileCounts.reduce(0, +) > 0, "the history never reached an SSTable")
        try store.close()
    }

    @Test func iteratorWalksWithMixedNextAndPrev() throws {
        var generator = SeededGenerator.fromEnvironment("iterator-walk")
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem(), memtableBudgetBytes: 4 << 10))
        var model = KeyValueModel()
        for round in 0..<6 {
            for _ in 0..<200 {
                let key = bytes("k\(Int.random(in: 0..<150, using: &generator))")
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    try store.delete(key, durability: .buffered)
                    model.apply([.delete(key)])
                } else {
                    let value = bytes("v\(round)")
                    try store.put(key, value, durability: .buffered)
                    model.apply([.put(key, value)])
                }
            }
            if round % 2 == 0 { try store.flush() }
        }
        let expected = model.scan().map(\.key)
        var iterator = try store.makeIterator()
        iterator.seekToFirst()
        var position = 0
        for _ in 0..<2000 {
            if Bool.random(using: &generator) {
                iterator.next()
                position += 1
            } else if position > 0 {
                iterator.prev()
                position -= 1
            } else {
                continue
            }
            if position >= expected.count {
                #expect(iterator.isValid == false)
                iterator.seekToLast()
                position = expected.count - 1
            }
            #expect(iterator.isValid && iterator.key == expected[position], "position \(position)")
        }
    }

    /// `seekForPrev`, `seekToLast` under bounds and `seek`, each followed by a random walk of
    /// `next`/`prev`, against the model, over a memtable, level-0 tables and compacted levels
    /// holding overwritten and deleted keys (so backward positioning must skip older versions
    /// and tombstones in every child).
    @Test func positioningAndWalksMatchTheModel() throws {
        var generator = SeededGenerator.fromEnvironment("positioning")
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem(), memtableBudgetBytes: 4 << 10))
        var model = KeyValueModel()
        func key(_ number: Int) -> [UInt8] { bytes("k\(1000 + number)") }
        for round in 0..<8 {
            for _ in 0..<150 {
                let target = key(Int.random(in: 0..<200, using: &generator))
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    try store.delete(target, durability: .buffered)
                    model.apply([.delete(target)])
                } else {
                    try store.put(target, bytes("v\(round)"), durability: .buffered)
                    model.apply([.put(target, bytes("v\(round)"))])
                }
            }
            if round % 3 == 0 { try store.flush() }
        }
        for trial in 0..<400 {
            // Bounds and targets include keys absent from the store and the ends of the range.
            let first = Int.random(in: -5..<205, using: &generator)
            let second = Int.random(in: -5..<205, using: &generator)
            let lower = Bool.random(using: &generator) ? key(min(first, second)) : nil
            let upper = Bool.random(using: &generator) ? key(max(first, second)) : nil
            let expected = model.scan(lowerBound: lower, upperBound: upper).map(\.key)
            var iterator = try store.makeIterator(lowerBound: lower, upperBound: upper)
            let target = key(Int.random(in: -5..<205, using: &generator))
            var position: Int  // index into `expected`; -1 or expected.count: invalid
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                iterator.seekForPrev(target)
                position = (expected.lastIndex { compareBytes($0, target) <= 0 }) ?? -1
            case 1:
                iterator.seekToLast()
                position = expected.count - 1
            default:
                iterator.seek(target)
                position = (expected.firstIndex { compareBytes($0, target) >= 0 }) ?? expected.count
            }
            for step in 0..<12 {
                let valid = position >= 0 && position < expected.count
                #expect(iterator.isValid == valid, "trial \(trial) step \(step)")
                if !valid { break }
                #expect(iterator.key == expected[position], "trial \(trial) step \(step)")
                if Bool.random(using: &generator) {
                    iterator.next()
                    position += 1
                } else {
                    iterator.prev()
                    position -= 1
                }
            }
        }
        try store.close()
    }
}
