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
        // The weak reference clears when the store's deinit starts; its close (releasing the
        // directory lock) finishes a moment later, on whichever thread released it last.
        var reopened: Store?
        #expect(waitUntil(timeout: .seconds(30)) {
            reopened = try? Store.open(at: "/db", options: testOptions(fileSystem))
            return reopened != nil
        })
        guard let reopened else { return }
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
        #expect(waitUntil(timeout: .seconds(30)) { (try? Store.open(at: "/db", options: testOptions(fileSystem)).close()) != nil })
    }
}
