import Glibc
import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct CheckpointTests {
    /// Checkpoints taken while four threads write (flushes, compactions, WAL switches around
    /// them) each open as a store holding exactly the batches through their sequence.
    @Test func checkpointsBesideWritersAreExact() throws {
        var generator = SeededGenerator.fromEnvironment("checkpoint")
        let seed = generator.next()
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        let written = Mutex<[SequenceNumber: [ModelOperation]]>([:])
        let threads = (0..<4).map { writer in
            BackgroundThread {
                var generator = SeededGenerator(seed: seed &+ UInt64(writer))
                for _ in 0..<400 {
                    let operations = (0..<Int.random(in: 1...5, using: &generator)).map { _ -> ModelOperation in
                        let key = Array("key\(Int.random(in: 0..<200, using: &generator))".utf8)
                        return Int.random(in: 0..<4, using: &generator) == 0 ? .delete(key) : .put(key, generator.bytes(40))
                    }
                    let commit = try! store.write(WriteBatch(operations), durability: .buffered)
                    written.withLock { $0[commit.sequence] = operations }
                }
            }
        }
        var checkpoints: [(String, Checkpoint)] = []
        for index in 0..<6 {
            usleep(UInt32.random(in: 1_000...20_000, using: &generator))
            let directory = "/checkpoints/\(index)"
            checkpoints.append((directory, try store.checkpoint(into: directory)))
        }
        for thread in threads { thread.join() }
        try store.close()
        let history = written.withLock { $0 }.sorted { $0.key < $1.key }
        for (directory, checkpoint) in checkpoints {
            var model = KeyValueModel()
            for (sequence, operations) in history where sequence <= checkpoint.sequence { model.apply(operations) }
            let copy = try Store.open(at: directory, options: testOptions(fileSystem))
            #expect(try expectEqual(copy, model, "checkpoint at \(checkpoint.sequence)"))
            #expect(copy.lastCommittedStamp == checkpoint.stamp)
            try copy.close()
        }
        #expect(Set(checkpoints.map(\.1.sequence)).count > 1)
    }

    /// A checkpoint is unaffected by what the store does afterwards (its files are links or
    /// copies: compaction removing the originals does not touch them).
    @Test func checkpointSurvivesLaterCompactionsAndDeletion() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 10))
        var model = KeyValueModel()
        for index in 0..<500 {
            let operations: [ModelOperation] = [.put(bytes("k\(index % 120)"), bytes("v\(index)"))]
            try store.write(WriteBatch(operations), durability: .buffered)
            model.apply(operations)
        }
        let checkpoint = try store.checkpoint(into: "/cp")
        #expect(checkpoint.sequence == SequenceNumber(500))
        #expect(checkpoint.files.contains { $0.name == "CURRENT" })
        for index in 0..<2000 { try store.put(bytes("k\(index % 120)"), bytes("later"), durability: .buffered) }
        try store.flush()
        store.waitForCompactions()
        try store.close()
        for name in try fileSystem.listDirectory("/db") { try fileSystem.removeFile("/db/" + name) }
        let copy = try Store.open(at: "/cp", options: testOptions(fileSystem))
        #expect(try expectEqual(copy, model, "checkpoint after the source was removed"))
        try copy.close()
    }

    @Test func checkpointIntoAStoreDirectoryIsRefused() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem))
        try store.put(bytes("a"), [1], durability: .buffered)
        #expect { _ = try store.checkpoint(into: "/db") } throws: { ($0 as? TernError)?.code == .invalidArgument }
        try store.close()
    }
}
