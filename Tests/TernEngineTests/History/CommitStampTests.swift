import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct CommitStampTests {
    static func options(_ fileSystem: any FileSystem, wall: ManualClock) -> StoreOptions {
        var options = testOptions(fileSystem, memtableBudgetBytes: 64 << 10)
        options.clock = HybridLogicalClock(physicalClock: wall)
        return options
    }

    /// Every batch gets its own stamp, strictly increasing in sequence order, also for batches
    /// group-committed together from several threads.
    @Test func batchesGetStrictlyIncreasingStamps() throws {
        let fileSystem = MemoryFileSystem()
        let wall = ManualClock()
        let store = try Store.open(at: "/db", options: Self.options(fileSystem, wall: wall))
        let commits = Mutex<[Commit]>([])
        let threads = (0..<4).map { writer in
            BackgroundThread {
                for index in 0..<300 {
                    let commit = try! store.put(bytes("w\(writer)-\(index)"), [1], durability: index % 3 == 0 ? .synced : .buffered)
                    commits.withLock { $0.append(commit) }
                }
            }
        }
        for thread in threads { thread.join() }
        let sorted = commits.withLock { $0 }.sorted { $0.sequence < $1.sequence }
        #expect(sorted.count == 1200)
        for (previous, next) in zip(sorted, sorted.dropFirst()) {
            #expect(next.stamp > previous.stamp, "stamps out of sequence order: \(previous) then \(next)")
        }
        #expect(store.lastCommittedStamp == sorted.last!.stamp)
        try store.close()
    }

    /// Stamps keep increasing across a restart whose wall clock is an hour behind, and across a
    /// crash that loses the unsynced tail.
    @Test func stampsIncreaseAcrossRestartsWithTheClockBehind() throws {
        let fileSystem = FaultInjectingFileSystem()
        let wall = ManualClock()
        var store = try Store.open(at: "/db", options: Self.options(fileSystem, wall: wall))
        var last = HybridTimestamp.zero
        for round in 0..<4 {
            for index in 0..<50 {
                let commit = try store.put(bytes("k\(round)-\(index)"), [UInt8](repeating: 1, count: 500), durability: .synced)
                #expect(commit.stamp > last)
                last = commit.stamp
            }
            wall.advance(microseconds: -3_600_000_000)
            if round % 2 == 0 {
                try store.close()
            } else {
                fileSystem.crash(stopping: store, .dropped)
            }
            store = try Store.open(at: "/db", options: Self.options(fileSystem, wall: wall))
            #expect(store.lastCommittedStamp == last, "after reopen \(round)")
        }
        let commit = try store.put(bytes("after"), [1], durability: .synced)
        #expect(commit.stamp > last)
        try store.close()
    }

    /// A store written in format 1 (batches without stamps) opens: its data replays with stamp
    /// zero, and the store is rewritten in the current format.
    @Test func formatOneStoreOpensAndIsUpgraded() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/db")
        var edit = VersionEdit()
        edit.formatVersion = 1
        edit.logNumber = FileNumber(2)
        edit.nextFileNumber = FileNumber(3)
        edit.lastSequence = .zero
        var manifest = LogWriter(file: try fileSystem.openWritable("/db/MANIFEST-000001", truncate: true))
        try manifest.add(edit.encode())
        try manifest.sync()
        try fileSystem.writeFileAtomically("/db/CURRENT", bytes("MANIFEST-000001\n"))
        var wal = LogWriter(file: try fileSystem.openWritable("/db/000002.wal", truncate: true))
        // Format 1: sequence, count, operations; no stamp.
        try wal.add(bytes(fromHex: "0100000000000000" + "02000000" + "01026b31027631" + "01026b32027632"))
        try wal.add(bytes(fromHex: "0300000000000000" + "01000000" + "00026b31"))
        try wal.sync()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try store.get(bytes("k1")) == nil)
        #expect(try store.get(bytes("k2")) == bytes("v2"))
        #expect(store.lastCommittedStamp == .zero)
        let commit = try store.put(bytes("k3"), bytes("v3"), durability: .synced)
        #expect(commit.sequence == SequenceNumber(4))
        #expect(commit.stamp > .zero)
        try store.close()
        let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try reopened.get(bytes("k3")) == bytes("v3"))
        try reopened.close()
        let current = String(decoding: try fileSystem.contents(of: "/db/CURRENT").dropLast(), as: UTF8.self)
        var reader = LogReader(bytes: try fileSystem.contents(of: "/db/" + current), path: current, tailMayBeTorn: true)
        let first = try VersionEdit.decode(try reader.next()!, file: current, offset: 0)
        #expect(first.formatVersion == VersionEdit.formatVersion)
    }

    /// A build reading a store of a newer format refuses it, naming the manifest.
    @Test func newerFormatIsRefused() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/db")
        var edit = VersionEdit()
        edit.formatVersion = VersionEdit.formatVersion + 1
        var manifest = LogWriter(file: try fileSystem.openWritable("/db/MANIFEST-000001", truncate: true))
        try manifest.add(edit.encode())
        try manifest.sync()
        try fileSystem.writeFileAtomically("/db/CURRENT", bytes("MANIFEST-000001\n"))
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            (error as? TernError)?.code == .unsupportedFormat && (error as? TernError)?.file == "MANIFEST-000001"
        }
    }
}
