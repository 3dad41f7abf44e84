import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct StoreAsyncTests {
    /// An async synced write survives a power cut that drops everything unsynced; an async
    /// buffered write after it does not (so the test can tell the two apart).
    @Test func asyncSyncedWritesSurviveAPowerCut() async throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try await Store.open(at: "/db", options: testOptions(fileSystem))
        try await store.put(bytes("synced"), bytes("1"), durability: .synced)
        try await store.put(bytes("buffered"), bytes("2"), durability: .buffered)
        #expect(try await store.get(bytes("buffered")) == bytes("2"))
        fileSystem.crash(stopping: store, .dropped)
        let reopened = try await Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try await reopened.get(bytes("synced")) == bytes("1"))
        #expect(try await reopened.get(bytes("buffered")) == nil)
        try await reopened.close()
    }

    /// Many tasks writing synced batches concurrently: every acknowledged write is durable, and
    /// a pool of two threads is enough for all of them (they wait for syncs on no thread).
    @Test func concurrentAsyncSyncedWritersAreAllDurable() async throws {
        let fileSystem = FaultInjectingFileSystem()
        var options = testOptions(fileSystem, memtableBudgetBytes: 1 << 20)
        options.threadPool = BlockingThreadPool(threadCount: 2)
        let store = try await Store.open(at: "/db", options: options)
        let writers = 16
        let writesEach = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<writesEach {
                        try await store.put(bytes("w\(writer)-\(index)"), bytes("\(index)"), durability: .synced)
                    }
                }
            }
            try await group.waitForAll()
        }
        let syncs = store.statistics.walSyncs
        #expect(syncs >= 1 && syncs <= writers * writesEach)
        fileSystem.crash(stopping: store, .dropped)
        let reopened = try await Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try await reopened.scan().count == writers * writesEach)
        try await reopened.close()
    }

    @Test func asyncReadsAndScans() async throws {
        let store = try await Store.open(at: "/db", options: testOptions(MemoryFileSystem()))
        var batch = WriteBatch()
        for key in ["a", "b", "c"] { batch.put(bytes(key), bytes(key + key)) }
        try await store.write(batch, durability: .buffered)
        try await store.delete(bytes("b"), durability: .buffered)
        try await store.sync()
        try await store.flush()
        #expect(try await store.get(bytes("c")) == bytes("cc"))
        let entries = try await store.scan(reverse: true)
        #expect(entries.map(\.key) == [bytes("c"), bytes("a")])
        try await store.close()
    }

    /// Closed means closed: reads fail too, even when another handle has since opened the
    /// directory and changed it (the old handle must not serve its stale state).
    @Test func readsOfAClosedStoreFail() async throws {
        let fileSystem = MemoryFileSystem()
        let first = try await Store.open(at: "/db", options: testOptions(fileSystem))
        try await first.put(bytes("k"), bytes("old"), durability: .synced)
        try await first.close()
        let second = try await Store.open(at: "/db", options: testOptions(fileSystem))
        try await second.put(bytes("k"), bytes("new"), durability: .synced)
        func isClosed(_ error: any Error) -> Bool { (error as? TernError)?.code == .closed }
        #expect(performing: { _ = try first.get(bytes("k")) }, throws: isClosed)
        #expect(performing: { _ = try first.scan() }, throws: isClosed)
        #expect(performing: { _ = try first.makeIterator() }, throws: isClosed)
        await #expect(performing: { _ = try await first.get(bytes("k")) }, throws: isClosed)
        #expect(performing: { try first.put(bytes("k"), bytes("x"), durability: .buffered) }, throws: isClosed)
        #expect(try await second.get(bytes("k")) == bytes("new"))
        try await second.close()
    }
}
