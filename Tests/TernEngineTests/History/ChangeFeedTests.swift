import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct ChangeFeedTests {
    static func options(_ fileSystem: any FileSystem) -> StoreOptions {
        testOptions(fileSystem, memtableBudgetBytes: 8 << 10)  // many WAL switches and flushes
    }

    /// The operations of a batch, for comparing what was written with what the feed delivers.
    static func describe(_ batch: CommittedBatch) -> [ModelOperation] {
        var operations: [ModelOperation] = []
        batch.forEachOperation { kind, key, value in
            operations.append(kind == .value ? .put(Array(key), Array(value)) : .delete(Array(key)))
        }
        return operations
    }

    /// Random batches from four threads (group commits, flushes, WAL switches, a reopen in the
    /// middle): the feed delivers every durable batch exactly once, in order, whole, with its
    /// stamp, read in random chunk sizes.
    @Test func deliversEveryDurableBatchInOrder() throws {
        var generator = SeededGenerator.fromEnvironment("change-feed")
        let seed = generator.next()
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: Self.options(fileSystem))
        try store.registerChangeConsumer("test")
        let start = store.changeConsumers["test"]!
        let written = Mutex<[SequenceNumber: (HybridTimestamp, [ModelOperation])]>([:])
        for round in 0..<2 {
            let threads = (0..<4).map { writer in
                BackgroundThread { [store] in
                    var generator = SeededGenerator(seed: seed &+ UInt64(writer * 10 + round))
                    for _ in 0..<150 {
                        let operations = (0..<Int.random(in: 1...6, using: &generator)).map { _ -> ModelOperation in
                            let key = Array("key\(Int.random(in: 0..<300, using: &generator))".utf8)
                            return Bool.random(using: &generator) ? .delete(key) : .put(key, generator.bytes(Int.random(in: 1...90, using: &generator)))
                        }
                        let commit = try! store.write(WriteBatch(operations), durability: Bool.random(using: &generator) ? .synced : .buffered)
                        written.withLock { $0[commit.sequence] = (commit.stamp, operations) }
                    }
                }
            }
            for thread in threads { thread.join() }
            try store.sync()
            if round == 0 {
                try store.close()
                store = try Store.open(at: "/db", options: Self.options(fileSystem))
            }
        }
        var reader = try store.makeChangeReader(after: start)
        var delivered: [CommittedBatch] = []
        while true {
            let batches = try reader.next(maxBytes: Int.random(in: 1...4000, using: &generator))
            if batches.isEmpty { break }
            delivered += batches
            if Bool.random(using: &generator) { try store.acknowledgeChanges(consumer: "test", through: batches.last!.lastSequence) }
        }
        let expected = written.withLock { $0 }
        #expect(delivered.count == expected.count)
        #expect(delivered.first?.sequence == start + 1)
        for (previous, next) in zip(delivered, delivered.dropFirst()) {
            #expect(next.sequence == previous.lastSequence + 1, "gap after \(previous.sequence)")
            #expect(next.stamp > previous.stamp)
        }
        for batch in delivered {
            guard let (stamp, operations) = expected[batch.sequence] else {
                Issue.record("delivered a batch never written at \(batch.sequence)")
                continue
            }
            #expect(batch.stamp == stamp)
            #expect(Self.describe(batch) == operations, "batch \(batch.sequence) differs")
        }
        try store.close()
    }

    /// Buffered batches are not delivered until they are durable: a consumer never sees a batch a
    /// crash could take back.
    /// Regression: a manifest edit (here a consumer's acknowledgement) records the last sequence
    /// while buffered batches are not yet synced; a power cut takes those back, recovery numbers
    /// new batches after the recorded sequence, and the feed used to report the gap as
    /// corruption. The numbers were never durable: the feed passes over them.
    @Test func aGapOfBatchesACrashTookBackIsNotCorruption() throws {
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: Self.options(fileSystem))
        try store.registerChangeConsumer("test")
        let first = try store.write(WriteBatch([.put(Array("a".utf8), [1])]), durability: .synced)
        for index in 0..<3 { try store.write(WriteBatch([.put(Array("b\(index)".utf8), [2])]), durability: .buffered) }
        try store.acknowledgeChanges(consumer: "test", through: first.sequence)  // records the last sequence: 4
        fileSystem.crash(.dropped)
        store = try Store.open(at: "/db", options: Self.options(fileSystem))
        #expect(try store.get(Array("b0".utf8)) == nil)
        var reader = try store.makeChangeReader(after: first.sequence)
        #expect(try reader.next().isEmpty)
        #expect(reader.cursor == store.durableSequence)  // past the numbers the crash took
        let next = try store.write(WriteBatch([.put(Array("c".utf8), [3])]), durability: .synced)
        #expect(next.sequence.rawValue > first.sequence.rawValue + 1)
        #expect(try reader.next().map(\.sequence) == [next.sequence])
        var fresh = try store.makeChangeReader(after: first.sequence)
        #expect(try fresh.next().map(\.sequence) == [next.sequence])
        try store.close()
    }

    /// Regression (replication simulation seed 4620): two power cuts in a row leave a retired WAL
    /// holding no batch (the first recovery's); a reader that has read everything moves on to it
    /// and waits there; acknowledging the batches before it removes it (rightly: it holds none a
    /// consumer needs), and the reader's next read used to fail with `cursorTooOld`, so the
    /// replication stream skipped to the feed's end and its peers missed the writes after (until
    /// anti-entropy). A removed file that held nothing after the cursor is not a gap: read on.
    @Test func aRemovedEmptyWALUnderTheReaderIsNotAGap() throws {
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: Self.options(fileSystem))
        try store.registerChangeConsumer("test")
        let first = try store.write(WriteBatch([.put(Array("a".utf8), [1])]), durability: .synced)
        for _ in 0..<2 {
            fileSystem.crash(.dropped)
            store = try Store.open(at: "/db", options: Self.options(fileSystem))
        }
        var reader = try store.makeChangeReader(after: .zero)
        #expect(try reader.next().map(\.sequence) == [first.sequence])
        let walsBefore = try Self.walCount(fileSystem)
        try store.acknowledgeChanges(consumer: "test", through: first.sequence)
        #expect(try Self.walCount(fileSystem) < walsBefore, "the acknowledgement removes the retired WALs")
        let next = try store.write(WriteBatch([.put(Array("b".utf8), [2])]), durability: .synced)
        #expect(try reader.next().map(\.sequence) == [next.sequence])
        try store.close()
    }

    @Test func deliversOnlyDurableBatches() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        try store.registerChangeConsumer("test")
        try store.put(bytes("a"), [1], durability: .synced)
        try store.put(bytes("b"), [2], durability: .buffered)
        var reader = try store.makeChangeReader(after: .zero)
        #expect(try reader.next().map(\.sequence) == [SequenceNumber(1)])
        #expect(try reader.next().isEmpty)
        try store.sync()
        #expect(try reader.next().map(\.sequence) == [SequenceNumber(2)])
        try store.close()
    }

    static func walCount(_ fileSystem: MemoryFileSystem) throws -> Int {
        try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".wal") }.count
    }

    /// WAL files stay until the consumer acknowledges past them, also across a reopen; then go.
    @Test func walFilesStayUntilAcknowledged() throws {
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: Self.options(fileSystem))
        try store.registerChangeConsumer("slow")
        for index in 0..<400 { try store.put(bytes("k\(index)"), [UInt8](repeating: 7, count: 100), durability: .buffered) }
        try store.flush()
        let kept = try Self.walCount(fileSystem)
        #expect(kept > 3, "flushes retired WALs, and the consumer needs them")
        try store.close()
        store = try Store.open(at: "/db", options: Self.options(fileSystem))
        #expect(try Self.walCount(fileSystem) >= kept, "a reopen removed WALs a consumer needs")
        var reader = try store.makeChangeReader(after: store.changeConsumers["slow"]!)
        var last = SequenceNumber.zero
        while let batch = try reader.next().last { last = batch.lastSequence }
        #expect(last == SequenceNumber(400))
        try store.acknowledgeChanges(consumer: "slow", through: last)
        #expect(try Self.walCount(fileSystem) <= 2)
        try store.unregisterChangeConsumer("slow")
        #expect(store.changeConsumers.isEmpty)
        try store.close()
    }

    /// Past the retention bound the oldest WALs go, and a consumer behind them gets
    /// `cursorTooOld` rather than a silent gap.
    @Test func consumerBehindTheRetentionBoundGetsCursorTooOld() throws {
        let fileSystem = MemoryFileSystem()
        var options = Self.options(fileSystem)
        options.changeFeedRetentionBytes = 20 << 10
        let store = try Store.open(at: "/db", options: options)
        try store.registerChangeConsumer("stuck")
        for index in 0..<2000 { try store.put(bytes("k\(index)"), [UInt8](repeating: 7, count: 100), durability: .buffered) }
        try store.flush()
        #expect { _ = try store.makeChangeReader(after: .zero) } throws: { ($0 as? TernError)?.code == .cursorTooOld }
        // A reader started from what is kept reads on to the end without a gap.
        try store.sync()
        let durable = store.durableSequence
        var reader: ChangeReader?
        var cursor = SequenceNumber.zero
        while reader == nil {
            cursor = cursor + 100
            reader = try? store.makeChangeReader(after: cursor)
        }
        var next = cursor + 1
        while let batches = Optional(try reader!.next()), !batches.isEmpty {
            for batch in batches {
                #expect(batch.sequence == next)
                next = batch.lastSequence + 1
            }
        }
        #expect(next == durable + 1)
        try store.close()
    }
}
