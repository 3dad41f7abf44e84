import Glibc
import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct FileSystemTests {
    /// The same contract checks for every implementation.
    static func exerciseContract(_ fileSystem: any FileSystem, _ directory: String) throws {
        try fileSystem.createDirectory(Path.join(directory, "a/b"))
        let path = Path.join(directory, "a/b/file")
        let writer = try fileSystem.openWritable(path, truncate: true)
        try writer.append(bytes("hello "))
        try writer.append(bytes("world"))
        try writer.sync()
        try writer.close()
        #expect(try fileSystem.fileSize(path) == 11)
        #expect(try fileSystem.readFile(path) == bytes("hello world"))
        let reader = try fileSystem.openReadable(path)
        var buffer = [UInt8](repeating: 0, count: 20)
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(at: 6, into: $0) } == 5)
        #expect(Array(buffer[0..<5]) == bytes("world"))
        #expect(throws: TernError.self) { _ = try reader.readExactly(at: 8, count: 10, path: path) }
        reader.close()
        try fileSystem.rename(path, to: Path.join(directory, "a/b/renamed"))
        #expect(!fileSystem.exists(path))
        #expect(try fileSystem.listDirectory(Path.join(directory, "a/b")) == ["renamed"])
        try fileSystem.link(Path.join(directory, "a/b/renamed"), to: Path.join(directory, "a/b/linked"))
        try fileSystem.removeFile(Path.join(directory, "a/b/renamed"))
        #expect(try fileSystem.readFile(Path.join(directory, "a/b/linked")) == bytes("hello world"))
        #expect { try fileSystem.removeFile(path) } throws: { ($0 as? TernError)?.code == .notFound }
        #expect { _ = try fileSystem.openReadable(path) } throws: { ($0 as? TernError)?.code == .notFound }
        try fileSystem.writeFileAtomically(Path.join(directory, "a/CURRENT"), bytes("x\n"))
        #expect(try fileSystem.readFile(Path.join(directory, "a/CURRENT")) == bytes("x\n"))
        let lock = try fileSystem.lock(Path.join(directory, "a/LOCK"))
        #expect { _ = try fileSystem.lock(Path.join(directory, "a/LOCK")) } throws: { ($0 as? TernError)?.code == .locked }
        lock.unlock()
        try fileSystem.lock(Path.join(directory, "a/LOCK")).unlock()
    }

    @Test func posixContract() throws {
        try Self.exerciseContract(PosixFileSystem(), try temporaryDirectory("fs"))
    }

    @Test func memoryContract() throws {
        try Self.exerciseContract(MemoryFileSystem(), "/root")
    }

    @Test func powerCutKeepsOnlySyncedBytesAndDurableNames() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/d")
        let durable = try fileSystem.openWritable("/d/durable", truncate: true)
        try durable.append(bytes("synced"))
        try durable.sync()
        try durable.append(bytes("-lost"))
        try fileSystem.syncDirectory("/d")
        let unnamed = try fileSystem.openWritable("/d/unnamed", truncate: true)
        try unnamed.append(bytes("data"))
        try unnamed.sync()  // data durable, but the name was never synced
        fileSystem.crash(.dropped)
        #expect(try fileSystem.readFile("/d/durable") == bytes("synced"))
        #expect(!fileSystem.exists("/d/unnamed"))
        #expect { try durable.append(bytes("x")) } throws: { ($0 as? TernError)?.code == .ioError }
    }

    @Test func renameIsLostWithoutDirectorySync() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/d")
        try fileSystem.writeFileAtomically("/d/CURRENT", bytes("old\n"))
        let temporary = try fileSystem.openWritable("/d/CURRENT.tmp", truncate: true)
        try temporary.append(bytes("new\n"))
        try temporary.sync()
        try fileSystem.rename("/d/CURRENT.tmp", to: "/d/CURRENT")
        fileSystem.crash(.dropped)
        #expect(try fileSystem.readFile("/d/CURRENT") == bytes("old\n"))
    }

    @Test func tornWritesKeepAPrefixOfTheUnsyncedTail() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/d")
        let file = try fileSystem.openWritable("/d/f", truncate: true)
        try fileSystem.syncDirectory("/d")
        try file.append(bytes("abc"))
        try file.sync()
        try file.append(bytes("defghij"))
        fileSystem.crash(.torn(keep: { $0 / 2 }))
        #expect(try fileSystem.readFile("/d/f") == bytes("abcdef"))
        let kept = try fileSystem.openWritable("/d/f", truncate: false)
        try kept.append(bytes("!"))
        fileSystem.crash(.kept)
        #expect(try fileSystem.readFile("/d/f") == bytes("abcdef!"))
    }

    @Test func faultInjectorFailsTheNthOperation() throws {
        let fileSystem = FaultInjectingFileSystem()
        try fileSystem.createDirectory("/d")
        let file = try fileSystem.openWritable("/d/f", truncate: true)
        fileSystem.inject(.init(nth: 2, kinds: [.append], errno: ENOSPC, partialAppend: true))
        try file.append(bytes("1234"))
        #expect { try file.append(bytes("5678")) } throws: { ($0 as? TernError)?.code == .noSpace }
        #expect(fileSystem.faultTriggered)
        try file.append(bytes("9"))  // a one-shot fault
        #expect(try fileSystem.base.readFile("/d/f") == bytes("1234569"))
        fileSystem.inject(.init(nth: 1, kinds: [.sync], errno: EIO, persistent: true))
        #expect { try file.sync() } throws: { ($0 as? TernError)?.code == .ioError }
        #expect { try file.sync() } throws: { ($0 as? TernError)?.code == .ioError }
    }

    @Test func failedSyncMakesTheStoreRefuseWritesUntilReopened() throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem))
        try store.put(bytes("a"), bytes("1"), durability: .synced)
        fileSystem.inject(.init(nth: 1, kinds: [.sync]))
        #expect(throws: TernError.self) { try store.put(bytes("b"), bytes("2"), durability: .synced) }
        // The fault was one-shot, but the store must not retry fsync: it stays refused.
        #expect { try store.put(bytes("c"), bytes("3"), durability: .buffered) } throws: {
            ($0 as? TernError)?.code == .writesRefused
        }
        #expect(try store.get(bytes("a")) == bytes("1"))  // reads still work
        try? store.close()
        let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
        try reopened.put(bytes("d"), bytes("4"), durability: .synced)
        #expect(try reopened.get(bytes("a")) == bytes("1"))
        try reopened.close()
    }
}

@Suite struct StoreSyncTests {
    /// `sync()` makes earlier buffered writes survive a power cut; without it they may not.
    @Test func syncMakesBufferedWritesDurable() throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        try store.put(bytes("a"), bytes("1"), durability: .buffered)
        try store.sync()
        try store.put(bytes("b"), bytes("2"), durability: .buffered)
        fileSystem.crash(stopping: store, .dropped)
        let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try reopened.get(bytes("a")) == bytes("1"))
        #expect(try reopened.get(bytes("b")) == nil, "an unsynced buffered write survived a power cut: the test cannot tell")
        try reopened.close()
    }
}

extension StoreSyncTests {
    /// Synced writers racing `close()`: every write that returned must survive a power cut right
    /// after the close (close waits for writes whose sync is still in flight).
    @Test func syncedWritesRacingCloseAreDurable() throws {
        for round in 0..<5 {
            let fileSystem = MemoryFileSystem()
            let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
            let acknowledged = Mutex<[[UInt8]]>([])
            let threads = (0..<4).map { writer in
                BackgroundThread {
                    for index in 0..<200 {
                        let key = bytes("w\(writer)-\(index)")
                        do {
                            try store.put(key, [1], durability: .synced)
                            acknowledged.withLock { $0.append(key) }
                        } catch {
                            return
                        }
                    }
                }
            }
            usleep(UInt32(2000 + round * 3000))
            try store.close()
            for thread in threads { thread.join() }
            fileSystem.crash(.dropped)
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
            for key in acknowledged.withLock({ $0 }) {
                #expect(try reopened.get(key) == [1], "round \(round): lost acknowledged \(String(decoding: key, as: UTF8.self))")
            }
            try reopened.close()
        }
    }
}

@Suite struct BackgroundThreadTests {
    /// Compaction runs at a higher niceness so foreground work gets the cores first.
    @Test func nicenessIsRaisedForTheThreadOnly() {
        errno = 0
        let base = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let seen = Mutex<Int32?>(nil)
        let thread = BackgroundThread(niceness: 3) {
            let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            seen.withLock { $0 = value }
        }
        thread.join()
        #expect(seen.withLock { $0 } == min(base + 3, 19))
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == base, "the caller's niceness changed")
    }
}
