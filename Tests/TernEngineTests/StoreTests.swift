import Glibc
import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct StoreTests {
    @Test func putGetDeleteAcrossReopen() throws {
        let fileSystem = MemoryFileSystem()
        var store = try Store.open(at: "/db", options: testOptions(fileSystem))
        try store.put(bytes("a"), bytes("1"), durability: .synced)
        try store.put(bytes("b"), bytes("2"), durability: .buffered)
        try store.delete(bytes("a"), durability: .synced)
        try store.put(bytes(""), bytes("empty key"), durability: .synced)
        #expect(try store.get(bytes("a")) == nil)
        #expect(try store.get(bytes("b")) == bytes("2"))
        #expect(try store.get(bytes("")) == bytes("empty key"))
        try store.close()
        store = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try store.get(bytes("a")) == nil)
        #expect(try store.get(bytes("b")) == bytes("2"))
        #expect(try store.get(bytes("")) == bytes("empty key"))
        try store.close()
    }

    /// Only the manifest `CURRENT` names survives an open, a new store's first one included (a
    /// stale manifest left behind is litter, and a trap for anyone inspecting the directory).
    @Test func exactlyOneManifestAfterCreateAndReopen() throws {
        let fileSystem = MemoryFileSystem()
        func manifests() throws -> [String] { try fileSystem.listDirectory("/db").filter { $0.hasPrefix("MANIFEST-") } }
        func current() throws -> String { String(decoding: try fileSystem.contents(of: "/db/CURRENT").dropLast(), as: UTF8.self) }
        var store = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try manifests() == [current()])
        try store.put(bytes("a"), bytes("1"), durability: .synced)
        try store.close()
        for _ in 0..<2 {
            store = try Store.open(at: "/db", options: testOptions(fileSystem))
            #expect(try manifests() == [current()])
            #expect(try store.get(bytes("a")) == bytes("1"))
            try store.close()
        }
    }

    @Test func secondOpenOfTheSameDirectoryFails() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: {
            ($0 as? TernError)?.code == .locked
        }
        try store.close()
        try Store.open(at: "/db", options: testOptions(fileSystem)).close()
    }

    @Test func secondOpenOnDiskFails() throws {
        let directory = try temporaryDirectory("lock")
        let store = try Store.open(at: directory, options: StoreOptions())
        #expect { _ = try Store.open(at: directory, options: StoreOptions()) } throws: {
            ($0 as? TernError)?.code == .locked
        }
        try store.close()
    }

    @Test func missingStoreWithoutCreateIfMissing() {
        var options = testOptions(MemoryFileSystem())
        options.createIfMissing = false
        #expect { _ = try Store.open(at: "/nothing", options: options) } throws: { ($0 as? TernError)?.code == .notFound }
    }

    @Test func closedStoreRefusesWrites() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem()))
        try store.close()
        #expect { try store.put([1], [2], durability: .buffered) } throws: { ($0 as? TernError)?.code == .closed }
    }

    @Test func flushMovesDataToLevelZeroAndReadsStillWork() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem(), memtableBudgetBytes: 1 << 20))
        for index in 0..<500 { try store.put(bytes("k\(index)"), bytes("v\(index)"), durability: .buffered) }
        try store.flush()
        #expect(store.statistics.levelFileCounts[0] == 1)
        try store.put(bytes("k7"), bytes("new"), durability: .buffered)
        try store.delete(bytes("k8"), durability: .buffered)
        #expect(try store.get(bytes("k7")) == bytes("new"))
        #expect(try store.get(bytes("k8")) == nil)
        #expect(try store.get(bytes("k9")) == bytes("v9"))
        try store.close()
    }

    @Test func snapshotSeesThePast() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem()))
        try store.put(bytes("k"), bytes("old"), durability: .buffered)
        let snapshot = store.snapshot()
        try store.put(bytes("k"), bytes("new"), durability: .buffered)
        try store.put(bytes("j"), bytes("later"), durability: .buffered)
        try store.flush()
        #expect(try store.get(bytes("k"), snapshot: snapshot) == bytes("old"))
        #expect(try store.get(bytes("j"), snapshot: snapshot) == nil)
        #expect(try store.scan(snapshot: snapshot).map(\.key) == [bytes("k")])
        #expect(try store.get(bytes("k")) == bytes("new"))
        try store.close()
    }

    @Test func iteratorBoundsAndDirectionChanges() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem()))
        for letter in ["a", "b", "c", "d", "e"] { try store.put(bytes(letter), bytes(letter.uppercased()), durability: .buffered) }
        try store.delete(bytes("c"), durability: .buffered)
        var iterator = try store.makeIterator(lowerBound: bytes("b"), upperBound: bytes("e"))
        iterator.seekToFirst()
        #expect(iterator.key == bytes("b"))
        iterator.next()
        #expect(iterator.key == bytes("d"))
        iterator.prev()
        #expect(iterator.key == bytes("b"))
        iterator.prev()
        #expect(iterator.isValid == false)
        iterator.seekToLast()
        #expect(iterator.key == bytes("d"))
        iterator.next()
        #expect(iterator.isValid == false)
        iterator.seekForPrev(bytes("c"))
        #expect(iterator.key == bytes("b"))
        iterator.seek(bytes("c"))
        #expect(iterator.key == bytes("d"))
        try store.close()
    }

    @Test func concurrentSyncedWritersShareSyncs() throws {
        let directory = try temporaryDirectory("group-commit")
        let store = try Store.open(at: directory, options: StoreOptions())
        // Real threads: writers block in the write queue, which the cooperative pool must not.
        let threads = (0..<8).map { writer in
            BackgroundThread {
                for index in 0..<50 { _ = try? store.put(bytes("w\(writer)-\(index)"), [1], durability: .synced) }
            }
        }
        for thread in threads { thread.join() }
        #expect(try store.scan().count == 400)
        // Group commit: fewer syncs than synced writes (8 writers contend for each sync).
        #expect(store.statistics.walSyncs < 400)
        try store.close()
    }
}

extension StoreTests {
    /// A failed sync with synced writers parked behind it: every writer returns (none waits
    /// forever for a sync that will not come), those after the failure with `.writesRefused` or
    /// the sync's own error, and every acknowledged write survives a crash that drops unsynced
    /// data.
    @Test func aFailedSyncReleasesEveryParkedWriter() throws {
        for failingSync in [1, 3, 10, 40] {
            let fileSystem = FaultInjectingFileSystem()
            let store = try Store.open(at: "/db", options: testOptions(fileSystem))
            fileSystem.inject(.init(nth: failingSync, kinds: [.sync], errno: EIO, persistent: true))
            let acknowledged = Mutex<[[UInt8]]>([])
            let failures = Atomic<Int>(0)
            let finished = Atomic<Int>(0)
            let threads = (0..<8).map { writer in
                BackgroundThread {
                    defer { finished.add(1, ordering: .releasing) }
                    for index in 0..<30 {
                        let key = bytes("w\(writer)-\(index)")
                        do {
                            try store.put(key, [1], durability: .synced)
                            acknowledged.withLock { $0.append(key) }
                        } catch {
                            failures.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
            // Bounded wait: a writer left parked would otherwise hang the suite in join().
            let allFinished = waitUntil(timeout: .seconds(30)) { finished.load(ordering: .acquiring) == threads.count }
            try #require(allFinished, "writers still parked after sync \(failingSync) failed")
            for thread in threads { thread.join() }
            #expect(failures.load(ordering: .relaxed) > 0, "sync \(failingSync) never failed")
            #expect(throws: TernError.self) { try store.put(bytes("after"), [1], durability: .buffered) }
            fileSystem.crash(stopping: store, .dropped)
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
            for key in acknowledged.withLock({ $0 }) {
                #expect(try reopened.get(key) == [1], "acknowledged \(String(decoding: key, as: UTF8.self)) lost (sync \(failingSync))")
            }
            try reopened.close()
        }
    }
}

/// A fresh directory under the test process's temporary parent (removed when the process exits).
func temporaryDirectory(_ label: String) throws -> String {
    try TemporaryDirectories.make(label)
}
