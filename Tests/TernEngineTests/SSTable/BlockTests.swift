import Testing
@_spi(Benchmarks) @testable import TernEngine

@Suite struct BlockTests {
    /// `count` entries with keys sharing long prefixes (so prefix compression matters).
    static func entries(_ count: Int, valueBytes: Int = 5) -> [TestEntry] {
        (0..<count).map { index in
            let user = Array("user-key-\(1000 + index)".utf8)
            return TestEntry(key: internalKey(user, UInt64(index + 1)), value: [UInt8](repeating: UInt8(index & 0xFF), count: valueBytes))
        }
    }

    static func build(_ entries: [TestEntry], restartInterval: Int = 16) throws -> Block {
        var builder = BlockBuilder(restartInterval: restartInterval)
        for entry in entries {
            entry.key.withUnsafeBytes { key in entry.value.withUnsafeBytes { value in builder.add(key: key, value: value) } }
        }
        let estimate = builder.estimatedSizeBytes
        builder.finish()
        #expect(builder.contents.count == estimate)
        return try Block.make(copying: builder.contents)
    }

    @Test(arguments: [0, 1, 2, 15, 16, 17, 31, 32, 33, 100])
    func restartSweep(count: Int) throws {
        let entries = BlockTests.entries(count)
        let block = try BlockTests.build(entries)
        #expect(block.restartCount == (count + 15) / 16)
        #expect(blockEntries(block) == entries)

        // Backward.
        var iterator = BlockIterator(block: block)
        iterator.seekToLast()
        var backward: [TestEntry] = []
        while iterator.isValid {
            backward.append(TestEntry(key: Array(iterator.key), value: Array(iterator.value)))
            iterator.prev()
        }
        #expect(backward == entries.reversed())
        check(iterator.status == nil, "iterator.status == nil")

        // Seek to every key, and to just before and just after it.
        for (index, entry) in entries.enumerated() {
            let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
            entry.key.withUnsafeBytes { iterator.seek($0) }
            check(iterator.isValid && Array(iterator.key) == entry.key, "iterator.isValid && Array(iterator.key) == entry.key")
            // A newer sequence number sorts before: the seek still lands on this entry.
            internalKey(user, UInt64(index + 2)).withUnsafeBytes { iterator.seek($0) }
            check(iterator.isValid && Array(iterator.key) == entry.key, "iterator.isValid && Array(iterator.key) == entry.key")
            // An older one sorts after: lands on the next entry (or off the end).
            internalKey(user, 0).withUnsafeBytes { iterator.seek($0) }
            if index + 1 < entries.count {
                check(iterator.isValid && Array(iterator.key) == entries[index + 1].key, "iterator.isValid && Array(iterator.key) == entries[index + 1].key")
            } else {
                check(!iterator.isValid, "!iterator.isValid")
            }
        }
        internalKey("", 0).withUnsafeBytes { iterator.seek($0) }
        check(iterator.isValid == !entries.isEmpty, "iterator.isValid == !entries.isEmpty")
        internalKey("zzz", 0).withUnsafeBytes { iterator.seek($0) }
        check(!iterator.isValid, "!iterator.isValid")
        check(iterator.status == nil, "iterator.status == nil")
    }

    @Test func prefixCompressionSharesBytes() throws {
        let entries = BlockTests.entries(32)
        let block = try BlockTests.build(entries)
        let uncompressed = entries.reduce(0) { $0 + $1.key.count + $1.value.count + 3 }
        #expect(block.byteCount < uncompressed - 16 * 8)
    }

    @Test func emptyKeyAndValue() throws {
        let entries = [
            TestEntry(key: internalKey([UInt8](), 9), value: []),
            TestEntry(key: internalKey([UInt8](), 8, .deletion), value: []),
            TestEntry(key: internalKey([0], 1), value: []),
        ]
        let block = try BlockTests.build(entries, restartInterval: 2)
        #expect(blockEntries(block) == entries)
    }

    @Test func mixedNextAndPrevWalk() throws {
        let entries = BlockTests.entries(50)
        let block = try BlockTests.build(entries, restartInterval: 4)
        var random = SSTableTestRandom(seed: 7)
        var iterator = BlockIterator(block: block)
        var position = 0
        iterator.seekToFirst()
        for _ in 0..<2000 {
            if Bool.random(using: &random) {
                iterator.next()
                position += 1
            } else {
                iterator.prev()
                position -= 1
            }
            if position < 0 || position >= entries.count {
                check(!iterator.isValid, "!iterator.isValid")
                position = Int.random(in: 0..<entries.count, using: &random)
                entries[position].key.withUnsafeBytes { iterator.seek($0) }
            }
            check(iterator.isValid && Array(iterator.key) == entries[position].key, "iterator.isValid && Array(iterator.key) == entries[position].key")
        }
    }

    @Test func longKeysGrowTheKeyBuffer() throws {
        let long = [UInt8](repeating: 0x61, count: 1000)
        let entries = [
            TestEntry(key: internalKey(long + [1], 1), value: [1]),
            TestEntry(key: internalKey(long + [2], 1), value: [2]),
        ]
        let block = try BlockTests.build(entries)
        #expect(blockEntries(block) == entries)
        // A borrowed (small) key buffer falls back to the heap for a longer key.
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { scratch in
            var iterator = BlockIterator(block: block, borrowing: scratch)
            entries[1].key.withUnsafeBytes { iterator.seek($0) }
            check(iterator.isValid && Array(iterator.key) == entries[1].key, "iterator.isValid && Array(iterator.key) == entries[1].key")
            iterator.prev()
            check(iterator.isValid && Array(iterator.key) == entries[0].key, "iterator.isValid && Array(iterator.key) == entries[0].key")
            check(iterator.status == nil, "iterator.status == nil")
        }
    }

    // MARK: Malformed blocks

    /// Runs every iterator operation; the test is that nothing traps and errors are corruption.
    static func exercise(_ block: Block) -> [TestEntry] {
        var iterator = BlockIterator(block: block)
        var seen: [TestEntry] = []
        iterator.seekToFirst()
        var steps = 0
        while iterator.isValid && steps < 10_000 {
            seen.append(TestEntry(key: Array(iterator.key), value: Array(iterator.value)))
            iterator.next()
            steps += 1
        }
        if let status = iterator.status { #expect(status.code == .corruption) }
        iterator.reset(to: block)
        iterator.seekToLast()
        steps = 0
        while iterator.isValid && steps < 10_000 {
            iterator.prev()
            steps += 1
        }
        for target in [internalKey("", 0), internalKey("user-key-1010", 5), internalKey("zzzz", 0)] {
            iterator.reset(to: block)
            target.withUnsafeBytes { iterator.seek($0) }
            if iterator.isValid { _ = Array(iterator.key) + Array(iterator.value) }
            if let status = iterator.status { #expect(status.code == .corruption) }
        }
        return seen
    }

    static func corruptionMessage(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Block.make(copying: bytes)
            return nil
        } catch let error as TernError {
            #expect(error.code == .corruption)
            return error.message
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func malformedRestartArraysAreRejected() throws {
        #expect(BlockTests.corruptionMessage([]) != nil)
        #expect(BlockTests.corruptionMessage([0, 0, 0]) != nil)
        // Restart count larger than the block can hold.
        #expect(BlockTests.corruptionMessage([0, 0, 0, 0, 2, 0, 0, 0]) != nil)
        #expect(BlockTests.corruptionMessage([0xFF, 0xFF, 0xFF, 0xFF]) != nil)
        // Entries but no restarts.
        #expect(BlockTests.corruptionMessage([1, 2, 3, 0, 0, 0, 0]) != nil)

        let valid = BlockTests.entries(20)
        var builder = BlockBuilder(restartInterval: 16)
        for entry in valid {
            entry.key.withUnsafeBytes { key in entry.value.withUnsafeBytes { value in builder.add(key: key, value: value) } }
        }
        builder.finish()
        let good = builder.contents
        let restartsOffset = good.count - 4 - 8
        // First restart not 0.
        var bad = good
        bad[restartsOffset] = 1
        #expect(BlockTests.corruptionMessage(bad) != nil)
        // Second restart past the entries.
        bad = good
        bad[restartsOffset + 4] = 0xFF
        bad[restartsOffset + 5] = 0xFF
        #expect(BlockTests.corruptionMessage(bad) != nil)
        // Restarts out of order.
        bad = good
        bad[restartsOffset + 4] = 0
        bad[restartsOffset + 5] = 0
        #expect(BlockTests.corruptionMessage(bad) != nil)
    }

    @Test func malformedEntriesMakeTheIteratorInvalidWithAnError() throws {
        // A varint that runs into the restart array.
        let runaway = try Block.make(copying: [0x80, 0x80, 0x80, 0, 0, 0, 0, 1, 0, 0, 0])
        var iterator = BlockIterator(block: runaway)
        iterator.seekToFirst()
        check(!iterator.isValid, "!iterator.isValid")
        check(iterator.status?.code == .corruption, "iterator.status?.code == .corruption")

        // A key longer than the bytes left.
        let overlong = try Block.make(copying: [0, 50, 0, 1, 2, 3, 0, 0, 0, 0, 1, 0, 0, 0])
        iterator.reset(to: overlong)
        iterator.seekToFirst()
        check(iterator.status?.code == .corruption, "iterator.status?.code == .corruption")

        // A key shorter than an internal-key trailer.
        let short = try Block.make(copying: [0, 2, 0, 0x61, 0x62, 0, 0, 0, 0, 1, 0, 0, 0])
        iterator.reset(to: short)
        iterator.seekToFirst()
        check(iterator.status?.code == .corruption, "iterator.status?.code == .corruption")

        // A restart entry that claims to share bytes (seek reads it in place).
        var shared = [UInt8]([0, 8, 0]) + internalKey("", 1) + [3, 8, 0] + internalKey("", 2)
        shared += [0, 0, 0, 0, 11, 0, 0, 0, 2, 0, 0, 0]
        let sharedAtRestart = try Block.make(copying: shared)
        iterator.reset(to: sharedAtRestart)
        internalKey("zz", 0).withUnsafeBytes { iterator.seek($0) }
        check(iterator.status?.code == .corruption, "iterator.status?.code == .corruption")

        // Shared longer than the previous key.
        var tooShared = [UInt8]([0, 8, 0]) + internalKey("", 1) + [20, 8, 0] + internalKey("", 2)
        tooShared += [0, 0, 0, 0, 1, 0, 0, 0]
        iterator.reset(to: try Block.make(copying: tooShared))
        iterator.seekToFirst()
        check(iterator.isValid, "iterator.isValid")
        iterator.next()
        check(!iterator.isValid, "!iterator.isValid")
        check(iterator.status?.code == .corruption, "iterator.status?.code == .corruption")
    }

    /// Every single-byte change, and random garbage, either is rejected by `Block.make` or gives
    /// an iterator that never traps.
    @Test func randomDamageNeverTraps() throws {
        let entries = BlockTests.entries(40, valueBytes: 3)
        var builder = BlockBuilder(restartInterval: 4)
        for entry in entries {
            entry.key.withUnsafeBytes { key in entry.value.withUnsafeBytes { value in builder.add(key: key, value: value) } }
        }
        builder.finish()
        let good = builder.contents
        for offset in 0..<good.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bad = good
                bad[offset] ^= mask
                if let block = try? Block.make(copying: bad) { _ = BlockTests.exercise(block) }
            }
        }
        var random = SSTableTestRandom(seed: 42)
        for _ in 0..<2000 {
            var garbage = random.bytes(Int.random(in: 0..<64, using: &random))
            garbage += [UInt8(Int.random(in: 0...3, using: &random)), 0, 0, 0]
            if let block = try? Block.make(copying: garbage) { _ = BlockTests.exercise(block) }
        }
    }
}
