import Testing
@_spi(Benchmarks) @testable import TernEngine

@Suite struct SSTableTests {
    // MARK: Model round trip

    /// Random entries in internal-key order: user keys over a small alphabet (shared prefixes,
    /// 0x00 and 0xFF bytes, the empty key), 1-3 versions each, some deletions, values from empty
    /// to larger than a block, compressible or not.
    static func randomEntries(_ random: inout SSTableTestRandom) -> [TestEntry] {
        let alphabet: [UInt8] = [0x00, 0x61, 0x62, 0x63, 0xFE, 0xFF]
        var userKeys = Set<[UInt8]>()
        let userKeyCount = Int.random(in: 0...500, using: &random)
        for _ in 0..<userKeyCount {
            let length = Int.random(in: 0...10, using: &random)
            userKeys.insert((0..<length).map { _ in alphabet.randomElement(using: &random)! })
        }
        var sequences = Set<UInt64>()
        var entries: [TestEntry] = []
        for user in userKeys {
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                var sequence: UInt64
                repeat { sequence = UInt64.random(in: 1...5000, using: &random) } while !sequences.insert(sequence).inserted
                let kind: ValueKind = Int.random(in: 0..<5, using: &random) == 0 ? .deletion : .value
                let value: [UInt8]
                switch Int.random(in: 0..<20, using: &random) {
                case 0: value = random.bytes(Int.random(in: 2000...9000, using: &random))
                case 1: value = [UInt8](repeating: 0x7A, count: Int.random(in: 100...6000, using: &random))
                case 2...6: value = random.bytes(Int.random(in: 40...300, using: &random))
                default: value = random.bytes(Int.random(in: 0...40, using: &random))
                }
                entries.append(TestEntry(key: internalKey(user, sequence, kind), value: kind == .value ? value : []))
            }
        }
        return sortedByInternalKey(entries)
    }

    static func randomOptions(_ random: inout SSTableTestRandom) -> SSTableOptions {
        SSTableOptions(
            blockSizeBytes: [64, 256, 1024, 4096].randomElement(using: &random)!,
            restartInterval: [1, 2, 16].randomElement(using: &random)!,
            compression: Bool.random(using: &random) ? .lz4 : .none,
            bloomBitsPerKey: [0, 10].randomElement(using: &random)!)
    }

    /// Index of the first model entry `>= target`.
    static func lowerBound(_ model: [TestEntry], _ target: [UInt8]) -> Int {
        model.firstIndex { compareInternal($0.key, target) >= 0 } ?? model.count
    }

    @Test(arguments: 1...12)
    func randomTablesMatchASortedModel(seed: Int) throws {
        print("SSTableTests.randomTablesMatchASortedModel seed: \(seed)")
        var random = SSTableTestRandom(seed: UInt64(seed))
        let model = SSTableTests.randomEntries(&random)
        let options = SSTableTests.randomOptions(&random)
        let fileSystem = MemoryFileSystem()
        let properties = try buildTable(model, options: options, fileSystem: fileSystem)
        #expect(properties.entryCount == model.count)
        #expect(properties.fileSizeBytes == (try fileSystem.fileSize("/t.sst")))
        #expect(properties.smallestKey == model.first?.key)
        #expect(properties.largestKey == model.last?.key)
        let table = try openTable(fileSystem)
        #expect(dataBlockHandles(table).count == properties.dataBlockCount)

        let forward = scanForward(table)
        #expect(forward.error == nil)
        #expect(forward.entries == model, "options \(options)")
        let backward = scanBackward(table)
        #expect(backward.error == nil)
        #expect(backward.entries == model.reversed())

        // Seeks, each followed by a short random walk.
        var iterator = table.makeIterator()
        for _ in 0..<200 {
            let target: [UInt8]
            if !model.isEmpty && Bool.random(using: &random) {
                let entry = model.randomElement(using: &random)!
                let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
                target = Bool.random(using: &random) ? entry.key : internalKey(user, UInt64.random(in: 0...5001, using: &random))
            } else {
                target = internalKey(random.bytes(Int.random(in: 0...3, using: &random)), UInt64.random(in: 0...5001, using: &random))
            }
            var position = SSTableTests.lowerBound(model, target)
            iterator.seek(target)
            for _ in 0..<6 {
                guard position >= 0 && position < model.count else {
                    check(!iterator.isValid && iterator.error == nil, "past the end")
                    break
                }
                check(iterator.isValid, "valid at \(position)")
                guard iterator.isValid else { break }
                check(Array(iterator.key) == model[position].key, "key at \(position)")
                check(Array(iterator.value) == model[position].value, "value at \(position)")
                if Bool.random(using: &random) {
                    iterator.next()
                    position += 1
                } else {
                    iterator.prev()
                    position -= 1
                }
            }
        }

        // Point lookups at random snapshots, present and absent keys.
        let userKeys = model.map { entry in entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) } }
        for _ in 0..<300 {
            let user = (!userKeys.isEmpty && Bool.random(using: &random))
                ? userKeys.randomElement(using: &random)! : random.bytes(Int.random(in: 0...4, using: &random))
            let snapshot = Bool.random(using: &random) ? SequenceNumber.max.rawValue : UInt64.random(in: 0...5001, using: &random)
            let expected = modelLookup(model, userKey: user, snapshot: snapshot)
            let actual = try table.get(userKey: user, snapshot: SequenceNumber(snapshot))
            #expect(actual == expected, "get \(hex(user)) at \(snapshot)")
        }
    }

    // MARK: Boundaries

    @Test(arguments: [SSTableCompression.none, .lz4], [0, 10])
    func exactlyOneEntry(compression: SSTableCompression, bloomBitsPerKey: Int) throws {
        for entry in [
            TestEntry(key: internalKey([UInt8](), 1), value: []),
            TestEntry(key: internalKey("k", 7), value: Array("v".utf8)),
            TestEntry(key: internalKey([0xFF, 0xFF], 9, .deletion), value: []),
        ] {
            let fileSystem = MemoryFileSystem()
            let properties = try buildTable(
                [entry], options: SSTableOptions(compression: compression, bloomBitsPerKey: bloomBitsPerKey),
                fileSystem: fileSystem)
            #expect(properties.dataBlockCount == 1)
            let table = try openTable(fileSystem)
            #expect(scanForward(table).entries == [entry])
            #expect(scanBackward(table).entries == [entry])
            let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
            #expect(try table.get(userKey: user, snapshot: .max) == modelLookup([entry], userKey: user, snapshot: SequenceNumber.max.rawValue))
            #expect(try table.get(userKey: user, snapshot: .zero) == .notFound)
            #expect(try table.get(userKey: user + [0], snapshot: .max) == .notFound)
        }
    }

    @Test func emptyTable() throws {
        let fileSystem = MemoryFileSystem()
        let properties = try buildTable([], options: SSTableOptions(), fileSystem: fileSystem)
        #expect(properties.entryCount == 0)
        #expect(properties.dataBlockCount == 0)
        #expect(properties.smallestKey == nil && properties.largestKey == nil)
        let table = try openTable(fileSystem)
        #expect(scanForward(table).entries.isEmpty)
        #expect(scanBackward(table).entries.isEmpty)
        var iterator = table.makeIterator()
        iterator.seek(internalKey("a", 1))
        check(!iterator.isValid && iterator.error == nil, "empty table seek")
        #expect(try table.get(userKey: Array("a".utf8), snapshot: .max) == .notFound)
    }

    @Test(arguments: [5_000, 4_096, 4_097, 100_000])
    func valueLargerThanABlock(largeValueBytes: Int) throws {
        var random = SSTableTestRandom(seed: UInt64(largeValueBytes))
        let model = [
            TestEntry(key: internalKey("a", 1), value: Array("small".utf8)),
            TestEntry(key: internalKey("b", 1), value: random.bytes(largeValueBytes)),
            TestEntry(key: internalKey("c", 1), value: []),
            TestEntry(key: internalKey("d", 1), value: [UInt8](repeating: 1, count: largeValueBytes)),
            TestEntry(key: internalKey("e", 1), value: Array("tail".utf8)),
        ]
        for compression in [SSTableCompression.none, .lz4] {
            let fileSystem = MemoryFileSystem()
            let properties = try buildTable(model, options: SSTableOptions(compression: compression), fileSystem: fileSystem)
            #expect(properties.dataBlockCount >= 3)
            let table = try openTable(fileSystem)
            #expect(scanForward(table).entries == model)
            #expect(scanBackward(table).entries == model.reversed())
            for entry in model {
                let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
                #expect(try table.get(userKey: user, snapshot: .max) == .found(entry.value))
            }
        }
    }

    /// 110 entries of 16-byte keys and 100-byte values, restart interval 1: each entry costs
    /// 3 + 16 + 100 + 4 (its restart) = 123 bytes, so 10 entries make a 1234-byte block.
    @Test(arguments: [(1233, 10), (1234, 10), (1235, 11)])
    func blocksThatExactlyFillAndOneByteEitherSide(blockSizeBytes: Int, entriesPerBlock: Int) throws {
        let model = (0..<110).map { index in
            TestEntry(key: internalKey(Array("k\(1_000_000 + index)".utf8), 1), value: [UInt8](repeating: UInt8(index), count: 100))
        }
        let fileSystem = MemoryFileSystem()
        let options = SSTableOptions(blockSizeBytes: blockSizeBytes, restartInterval: 1, compression: .none)
        let properties = try buildTable(model, options: options, fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let handles = dataBlockHandles(table)
        #expect(properties.dataBlockCount == (110 + entriesPerBlock - 1) / entriesPerBlock)
        for (index, handle) in handles.enumerated() {
            let entries = blockEntries(try table.readBlock(handle))
            let expectedCount = min(entriesPerBlock, 110 - index * entriesPerBlock)
            #expect(entries.count == expectedCount, "block \(index)")
            #expect(handle.size == 123 * expectedCount + 4)
        }
        #expect(scanForward(table).entries == model)
        #expect(scanBackward(table).entries == model.reversed())
    }

    @Test(arguments: [15, 16, 17, 32, 33])
    func restartIntervalBoundariesInATable(count: Int) throws {
        let model = (0..<count).map { index in
            TestEntry(key: internalKey(Array("row-\(100 + index)".utf8), 5), value: Array("v\(index)".utf8))
        }
        let fileSystem = MemoryFileSystem()
        try buildTable(model, options: SSTableOptions(), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let block = try table.readBlock(dataBlockHandles(table)[0])
        #expect(block.restartCount == (count + 15) / 16)
        #expect(scanForward(table).entries == model)
        #expect(scanBackward(table).entries == model.reversed())
    }

    // MARK: Versions and snapshots

    @Test func snapshotsSeeTheNewestVisibleVersion() throws {
        let model = sortedByInternalKey([
            TestEntry(key: internalKey("j", 3), value: Array("j3".utf8)),
            TestEntry(key: internalKey("k", 10), value: Array("v10".utf8)),
            TestEntry(key: internalKey("k", 7, .deletion), value: []),
            TestEntry(key: internalKey("k", 5), value: Array("v5".utf8)),
            TestEntry(key: internalKey("l", 1), value: Array("l1".utf8)),
        ])
        let fileSystem = MemoryFileSystem()
        try buildTable(model, options: SSTableOptions(), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let k = Array("k".utf8)
        let expected: [(UInt64, LookupResult)] = [
            (11, .found(Array("v10".utf8))), (10, .found(Array("v10".utf8))), (9, .deleted), (7, .deleted),
            (6, .found(Array("v5".utf8))), (5, .found(Array("v5".utf8))), (4, .notFound), (0, .notFound),
        ]
        for (snapshot, result) in expected {
            #expect(try table.get(userKey: k, snapshot: SequenceNumber(snapshot)) == result, "snapshot \(snapshot)")
        }
    }

    /// Many versions of one user key spread over many tiny blocks: the index separators between
    /// blocks with the same user key cannot be shortened and must still route every snapshot.
    @Test func versionsOfOneKeyAcrossBlocks() throws {
        var entries = [TestEntry(key: internalKey("a", 1), value: [1]), TestEntry(key: internalKey("c", 1), value: [3])]
        for sequence in stride(from: 2, through: 200, by: 2) {
            let kind: ValueKind = sequence % 10 == 0 ? .deletion : .value
            entries.append(TestEntry(key: internalKey("b", UInt64(sequence), kind), value: kind == .value ? Array("b\(sequence)".utf8) : []))
        }
        let model = sortedByInternalKey(entries)
        let fileSystem = MemoryFileSystem()
        let properties = try buildTable(model, options: SSTableOptions(blockSizeBytes: 64), fileSystem: fileSystem)
        #expect(properties.dataBlockCount > 20)
        let table = try openTable(fileSystem)
        for snapshot in 0...202 {
            let actual = try table.get(userKey: Array("b".utf8), snapshot: SequenceNumber(UInt64(snapshot)))
            #expect(actual == modelLookup(model, userKey: Array("b".utf8), snapshot: UInt64(snapshot)), "snapshot \(snapshot)")
        }
    }

    // MARK: Compression

    static func blockTypes(_ fileSystem: MemoryFileSystem, _ table: SSTable) throws -> [BlockType] {
        let file = try fileSystem.contents(of: "/t.sst")
        return dataBlockHandles(table).map { BlockType(rawValue: file[$0.offset + $0.size])! }
    }

    @Test func incompressibleBlocksAreStoredRawAndCompressibleOnesLZ4() throws {
        var random = SSTableTestRandom(seed: 99)
        var model: [TestEntry] = []
        for index in 0..<200 {
            // Blocks alternate: 20 entries of random bytes, then 20 of repetitive text.
            let value = (index / 20) % 2 == 0
                ? random.bytes(200) : Array(String(repeating: "tern-\(index % 7) ", count: 25).utf8)
            model.append(TestEntry(key: internalKey(Array("key-\(10_000 + index)".utf8), 1), value: value))
        }
        let fileSystem = MemoryFileSystem()
        let properties = try buildTable(model, options: SSTableOptions(blockSizeBytes: 4000), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let types = try SSTableTests.blockTypes(fileSystem, table)
        #expect(types.contains(.raw))
        #expect(types.contains(.lz4))
        // The stored payloads: an LZ4 block saved at least 1/8 of its raw size.
        for (handle, type) in zip(dataBlockHandles(table), types) where type == .lz4 {
            let rawSize = try table.readBlock(handle).byteCount
            #expect(handle.size < rawSize - rawSize / 8)
        }
        #expect(properties.fileSizeBytes < model.reduce(0) { $0 + $1.value.count })
        #expect(scanForward(table).entries == model)
        #expect(scanBackward(table).entries == model.reversed())
        for entry in model {
            let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
            #expect(try table.get(userKey: user, snapshot: .max) == .found(entry.value))
        }
    }

    @Test func allRandomDataIsStoredRaw() throws {
        var random = SSTableTestRandom(seed: 5)
        let model = (0..<100).map { TestEntry(key: internalKey(Array("r\(1000 + $0)".utf8), 1), value: random.bytes(300)) }
        let fileSystem = MemoryFileSystem()
        try buildTable(model, options: SSTableOptions(compression: .lz4), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        #expect(try SSTableTests.blockTypes(fileSystem, table).allSatisfy { $0 == .raw })
        #expect(scanForward(table).entries == model)
    }

    @Test func compressionNoneNeverCompresses() throws {
        let model = (0..<100).map { TestEntry(key: internalKey(Array("z\(1000 + $0)".utf8), 1), value: [UInt8](repeating: 0, count: 300)) }
        let fileSystem = MemoryFileSystem()
        try buildTable(model, options: SSTableOptions(compression: .none), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        #expect(try SSTableTests.blockTypes(fileSystem, table).allSatisfy { $0 == .raw })
        #expect(scanForward(table).entries == model)
    }

    // MARK: Bloom filter on the read path

    static func evenKeys() -> [TestEntry] {
        (0..<2000).map { TestEntry(key: internalKey(Array("key-\(100_000 + 2 * $0)".utf8), 1), value: Array("v\($0)".utf8)) }
    }

    @Test func filterAnswersAbsentKeysWithoutReadingADataBlock() throws {
        let fileSystem = MemoryFileSystem()
        try buildTable(SSTableTests.evenKeys(), options: SSTableOptions(), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let filter = try #require(table.filter)
        var skippedByFilter = 0
        for index in 0..<2000 {
            // Odd keys are absent but inside the table's key range.
            let user = Array("key-\(100_000 + 2 * index + 1)".utf8)
            let before = table.statistics
            #expect(try table.get(userKey: user, snapshot: .max) == .notFound)
            let after = table.statistics
            #expect(after.filterChecks == before.filterChecks + 1)
            if !user.withUnsafeBytes({ filter.mayContain($0) }) {
                skippedByFilter += 1
                #expect(after.filterSkips == before.filterSkips + 1)
                #expect(after.dataBlockReads == before.dataBlockReads, "filter said no, yet a data block was read")
            } else {
                #expect(after.dataBlockReads == before.dataBlockReads + 1)
            }
        }
        #expect(skippedByFilter > 1940)
        #expect(table.statistics.filterSkips == skippedByFilter)
        // Present keys: never skipped (no false negatives), one block read each.
        let before = table.statistics
        for entry in SSTableTests.evenKeys() {
            let user = entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
            #expect(try table.get(userKey: user, snapshot: .max) == .found(entry.value))
        }
        #expect(table.statistics.filterSkips == before.filterSkips)
        #expect(table.statistics.dataBlockReads == before.dataBlockReads + 2000)
    }

    @Test func withoutAFilterEveryLookupInRangeReadsABlock() throws {
        let fileSystem = MemoryFileSystem()
        try buildTable(SSTableTests.evenKeys(), options: SSTableOptions(bloomBitsPerKey: 0), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        #expect(table.filter == nil)
        for index in 0..<100 {
            #expect(try table.get(userKey: Array("key-\(100_000 + 2 * index + 1)".utf8), snapshot: .max) == .notFound)
        }
        #expect(table.statistics == SSTable.Statistics(filterChecks: 0, filterSkips: 0, dataBlockReads: 100))
    }

    @Test func lookupsPastTheLastKeyReadNoBlock() throws {
        let fileSystem = MemoryFileSystem()
        try buildTable(SSTableTests.evenKeys(), options: SSTableOptions(bloomBitsPerKey: 0), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        #expect(try table.get(userKey: Array("zzz".utf8), snapshot: .max) == .notFound)
        #expect(table.statistics.dataBlockReads == 0)
    }

    // MARK: Index keys

    @Test func separatorsAreShortAndInRange() {
        func separator(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
            a.withUnsafeBytes { a in b.withUnsafeBytes { b in IndexKeys.separator(a, b) } }
        }
        // Shortened: "abc" < "abd": no; "abcdef" vs "abzzz" -> "abd".
        #expect(separator(internalKey("abcdef", 5), internalKey("abzzz", 9)) == internalKey("abd", SequenceNumber.max.rawValue))
        // Not shortened: adjacent bytes, prefix, same user key.
        #expect(separator(internalKey("abc", 5), internalKey("abd", 9)) == internalKey("abc", 5))
        #expect(separator(internalKey("ab", 5), internalKey("abc", 9)) == internalKey("ab", 5))
        #expect(separator(internalKey("ab", 5), internalKey("ab", 4)) == internalKey("ab", 5))
        #expect(separator(internalKey([0x61, 0xFF, 0x01], 5), internalKey([0x62], 1)) == internalKey([0x61, 0xFF, 0x01], 5))

        var random = SSTableTestRandom(seed: 3)
        for _ in 0..<5000 {
            var pair = [0, 1].map { _ in
                internalKey(random.bytes(Int.random(in: 0...4, using: &random)).map { $0 % 4 == 0 ? 0xFF : $0 % 3 }, UInt64.random(in: 0...9, using: &random))
            }
            guard compareInternal(pair[0], pair[1]) != 0 else { continue }
            if compareInternal(pair[0], pair[1]) > 0 { pair.swapAt(0, 1) }
            let middle = separator(pair[0], pair[1])
            #expect(compareInternal(pair[0], middle) <= 0 && compareInternal(middle, pair[1]) < 0)
            #expect(middle.count <= pair[0].count)
            let successor = pair[0].withUnsafeBytes { IndexKeys.successor($0) }
            #expect(compareInternal(pair[0], successor) <= 0 && successor.count <= pair[0].count)
        }
    }

    // MARK: Concurrency

    @Test func concurrentIteratorsAndLookupsOnOneTable() async throws {
        var random = SSTableTestRandom(seed: 11)
        let model = (0..<3000).map { TestEntry(key: internalKey(Array("c-\(10_000 + $0)".utf8), 1), value: random.bytes(Int.random(in: 0...200, using: &random))) }
        let fileSystem = MemoryFileSystem()
        try buildTable(model, options: SSTableOptions(blockSizeBytes: 1024), fileSystem: fileSystem)
        let table = try openTable(fileSystem)
        let results = await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var ok = true
                    for _ in 0..<3 {
                        let scan = worker % 2 == 0 ? scanForward(table) : scanBackward(table)
                        ok = ok && scan.error == nil
                            && scan.entries == (worker % 2 == 0 ? model : model.reversed())
                    }
                    for index in stride(from: worker, to: model.count, by: 7) {
                        let user = Array("c-\(10_000 + index)".utf8)
                        ok = ok && (try? table.get(userKey: user, snapshot: .max)) == .found(model[index].value)
                    }
                    return ok
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [true, true, true, true])
    }

    // MARK: Write failures

    final class FailingFile: WritableFile, @unchecked Sendable {
        // Test-only; used by one test thread.
        var appendedBytes = 0
        let failAfterBytes: Int
        init(failAfterBytes: Int) { self.failAfterBytes = failAfterBytes }
        func append(_ bytes: UnsafeRawBufferPointer) throws {
            if appendedBytes + bytes.count > failAfterBytes { throw TernError(.noSpace, "disk full", file: "/full.sst") }
            appendedBytes += bytes.count
        }
        func sync() throws {}
        func close() throws {}
    }

    @Test func aFailedWriteIsStickyAndThrown() throws {
        let file = FailingFile(failAfterBytes: 100_000)
        var builder = SSTableBuilder(file: file, path: "/full.sst", options: SSTableOptions(compression: .none))
        var failure: TernError?
        for index in 0..<10_000 {
            do {
                try builder.add(internalKey(Array("k\(100_000 + index)".utf8), 1), [UInt8](repeating: 7, count: 100))
            } catch let error as TernError {
                failure = error
                break
            }
        }
        #expect(failure?.code == .noSpace)
        var again: TernError?
        do { try builder.add(internalKey("zzzz", 1), []) } catch let error as TernError { again = error }
        #expect(again == failure)
        var atFinish: TernError?
        do { _ = try builder.finish() } catch let error as TernError { atFinish = error }
        #expect(atFinish == failure)
    }
}
