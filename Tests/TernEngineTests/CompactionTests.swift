import Testing
import TernTesting
@testable import TernEngine

@Suite struct CompactionTests {
    static func fill(_ store: Store, keys: Range<Int>, round: Int, durability: Durability = .buffered) throws {
        for index in keys {
            try store.put(bytes("key\(100_000 + index)"), bytes("round\(round)-" + String(repeating: "v", count: 40)), durability: durability)
        }
    }

    @Test func level0IsCompactedIntoDeeperLevels() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem(), memtableBudgetBytes: 8 << 10))
        for round in 0..<4 { try Self.fill(store, keys: 0..<2000, round: round) }
        try store.flush()
        store.waitForCompactions()
        let statistics = store.statistics
        #expect(statistics.compactions > 0)
        #expect(statistics.levelFileCounts[0] < 4, "level 0 holds \(statistics.levelFileCounts[0]) files")
        #expect(statistics.levelFileCounts.dropFirst().reduce(0, +) > 0)
        #expect(statistics.writeAmplification > 1)
        for index in stride(from: 0, to: 2000, by: 13) {
            #expect(try store.get(bytes("key\(100_000 + index)")) == bytes("round3-" + String(repeating: "v", count: 40)))
        }
        #expect(try store.scan().count == 2000)
        try store.close()
    }

    /// `waitForCompactions` returns only after the replaced tables are gone from the directory,
    /// even when the compaction thread is slow to delete them (a read-only open beside the store
    /// saw files vanish after it returned).
    @Test func waitForCompactionsReturnsAfterTheReplacedTablesAreDeleted() throws {
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.setBeforeRemove { path in
            if path.hasSuffix(".sst") { Platform.sleep(microseconds: 20_000) }
        }
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        for round in 0..<4 { try Self.fill(store, keys: 0..<2000, round: round) }
        try store.flush()
        store.waitForCompactions()
        let statistics = store.statistics
        #expect(statistics.compactions > 0)
        let onDisk = try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".sst") }.count
        #expect(onDisk == statistics.levelFileCounts.reduce(0, +), "tables on disk: \(onDisk), live: \(statistics.levelFileCounts)")
        try store.close()
    }

    @Test func sequentialFillMovesFilesWithoutRewriting() throws {
        var options = testOptions(MemoryFileSystem(), memtableBudgetBytes: 8 << 10)
        options.level1MaxBytes = 1 << 30  // keep everything in level 1: only level-0 moves happen
        let store = try Store.open(at: "/db", options: options)
        try Self.fill(store, keys: 0..<3000, round: 0)
        try store.flush()
        store.waitForCompactions()
        let statistics = store.statistics
        #expect(statistics.trivialMoves > 0)
        #expect(statistics.compactionBytesWritten == 0, "sequential keys never overlap: nothing to merge")
        try store.close()
    }

    @Test func deletionsDisappearAtTheBottom() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        try Self.fill(store, keys: 0..<2000, round: 0)
        for index in 0..<2000 { try store.delete(bytes("key\(100_000 + index)"), durability: .buffered) }
        // Keep writing elsewhere so compactions push the tombstones down to the last level used.
        for round in 0..<6 { try Self.fill(store, keys: 5000..<6000, round: round) }
        try store.flush()
        store.waitForCompactions()
        #expect(try store.scan(upperBound: bytes("key105000")).isEmpty)
        let total = store.statistics.levelSizesBytes.reduce(0, +)
        // 1000 live keys of ~60 bytes: the 2000 dead keys and their tombstones must be gone.
        #expect(total < 150_000, "\(total) bytes remain")
        try store.close()
    }

    @Test func snapshotsSurviveCompaction() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem(), memtableBudgetBytes: 8 << 10))
        try Self.fill(store, keys: 0..<1000, round: 0)
        try store.delete(bytes("key100007"), durability: .buffered)
        let snapshot = store.snapshot()
        for round in 1..<5 { try Self.fill(store, keys: 0..<1000, round: round) }
        try store.flush()
        store.waitForCompactions()
        #expect(store.statistics.compactions > 0)
        let old = try store.scan(snapshot: snapshot)
        #expect(old.count == 999)
        #expect(old.allSatisfy { String(decoding: $0.value, as: UTF8.self).hasPrefix("round0-") })
        #expect(try store.get(bytes("key100007"), snapshot: snapshot) == nil)
        #expect(try store.get(bytes("key100008"), snapshot: snapshot)?.starts(with: bytes("round0-")) == true)
        #expect(try store.get(bytes("key100007"))?.starts(with: bytes("round4-")) == true)
        try store.close()
    }

    @Test func filesOutliveCompactionWhileAnIteratorReadsThem() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        try Self.fill(store, keys: 0..<1500, round: 0)
        try store.flush()
        store.waitForCompactions()
        var iterator = try store.makeIterator()
        iterator.seekToFirst()
        let pinned = Set(store.captureView().version.allFiles.map { FileName.table($0.number) })
        for round in 1..<5 { try Self.fill(store, keys: 0..<1500, round: round) }
        try store.flush()
        store.waitForCompactions()
        #expect(store.statistics.compactions > 0)
        // Every file the iterator may read still exists, and it reads its own point in time.
        let present = Set(try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".sst") })
        #expect(pinned.isSubset(of: present))
        var count = 0
        while iterator.isValid {
            #expect(iterator.value.starts(with: bytes("round0-")))
            count += 1
            iterator.next()
        }
        try iterator.checkError()
        #expect(count == 1500)
        iterator = try store.makeIterator()  // drops the old view: its files can go
        store.waitForCompactions()
        try store.put(bytes("nudge"), [1], durability: .buffered)
        try store.flush()
        store.waitForCompactions()
        let after = Set(try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".sst") })
        #expect(!pinned.subtracting(after).isEmpty, "obsolete files were never deleted")
        try store.close()
    }

    @Test func levelZeroStopThresholdBoundsLevelZero() throws {
        var options = testOptions(MemoryFileSystem(), memtableBudgetBytes: 4 << 10)
        options.level0SlowdownTrigger = 6
        options.level0StopTrigger = 8
        let store = try Store.open(at: "/db", options: options)
        var maxLevel0 = 0
        for round in 0..<3 {
            for index in 0..<1500 {
                try store.put(bytes("key\(100_000 + (index * 7919) % 1500)"), bytes("r\(round)"), durability: .buffered)
                if index % 100 == 0 { maxLevel0 = max(maxLevel0, store.statistics.levelFileCounts[0]) }
            }
        }
        #expect(maxLevel0 <= 8, "level 0 reached \(maxLevel0) files past the stop threshold of 8")
        try store.close()
    }

    /// Crashes at every file-system operation of a compaction (outputs written, manifest edit,
    /// obsolete files removed): the reopened store is intact.
    @Test func crashDuringCompaction() throws {
        let seed: UInt64 = 5
        func populated(_ fileSystem: FaultInjectingFileSystem) throws -> Store {
            var options = testOptions(fileSystem, memtableBudgetBytes: 1 << 20)
            options.level0CompactionTrigger = 100  // no compaction until the test asks
            let store = try Store.open(at: "/db", options: options)
            for part in 0..<4 {
                for index in (part * 30)..<(part * 30 + 30) {
                    try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)), durability: .synced)
                }
                try store.flush()
            }
            return store
        }
        func compact(_ store: Store) throws {
            try store.compactLevel0()
        }
        let probe = FaultInjectingFileSystem()
        let probeStore = try populated(probe)
        let before = probe.operationCount()
        try compact(probeStore)
        let compactionOperations = probe.operationCount() - before
        try probeStore.close()
        #expect(compactionOperations > 5)

        for crashAfter in 1...(compactionOperations + 1) {
            let fileSystem = FaultInjectingFileSystem()
            let store = try populated(fileSystem)
            fileSystem.inject(.init(nth: crashAfter, persistent: true))
            try? compact(store)
            fileSystem.crash(stopping: store, .dropped)
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
            _ = try StoreCrashTests.verifyPrefix(
                reopened, seed: seed, lastSynced: 119, lastAttempted: 119, context: "compaction crash after \(crashAfter)")
            try reopened.close()
        }
    }
}
