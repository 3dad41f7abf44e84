import Testing
import TernTesting
@testable import TernEngine

/// A store released without `close()`: its own threads must not keep it (and its directory
/// lock) alive until the process ends.
@Suite struct StoreLifetimeTests {
    @Test func aReleasedStoreClosesItselfAndReleasesItsDirectory() throws {
        let fileSystem = MemoryFileSystem()
        weak var released: Store?
        do {
            let store = try Store.open(at: "/db", options: testOptions(fileSystem))
            released = store
            // Enough to flush and compact, so both background threads have worked.
            for index in 0..<3000 { try store.put(bytes("key\(index)"), bytes("value \(index)"), durability: .buffered) }
            try store.put(bytes("last"), bytes("synced"), durability: .synced)
            store.waitForCompactions()
            #expect(store.statistics.flushes > 0)
        }
        #expect(waitUntil(timeout: .seconds(30)) { released == nil })
        // Its deinit (on whichever thread dropped the last reference) closes it: the directory
        // is free once that close has finished.
        let reopened = try Self.reopenWhenFree(fileSystem)
        #expect(try reopened.get(bytes("last")) == bytes("synced"))
        #expect(try reopened.get(bytes("key2999")) == bytes("value 2999"))
        try reopened.close()
    }

    /// Released while idle, right after opening (the threads are parked waiting for work).
    @Test func anIdleStoreIsReleasedToo() throws {
        let fileSystem = MemoryFileSystem()
        weak var released: Store?
        do { released = try Store.open(at: "/db", options: testOptions(fileSystem)) }
        #expect(waitUntil(timeout: .seconds(30)) { released == nil })
        try Self.reopenWhenFree(fileSystem).close()
    }

    /// Opens the store at /db as soon as its lock is free (within 30 s).
    static func reopenWhenFree(_ fileSystem: MemoryFileSystem) throws -> Store {
        var reopened: Store?
        _ = waitUntil(timeout: .seconds(30)) {
            reopened = try? Store.open(at: "/db", options: testOptions(fileSystem))
            return reopened != nil
        }
        return try reopened ?? Store.open(at: "/db", options: testOptions(fileSystem))
    }
}
