import Glibc
import InMemoryLogging
import Logging
import Synchronization
import Testing
import TernTesting
@testable import TernEngine

/// Regression tests for the defects an independent integrity audit found (issue "Integrity"),
/// named after what broke. Each fails on the code before its fix.
@Suite struct IntegrityRegressionTests {
    // MARK: 1. flush() beside writers

    /// `flush()` hung when a write ran beside it: the leader took flush's empty place-holder into
    /// its group and dequeued it, while `flush()` waited for it to reach the head.
    @Test func flushBesideWritersNeverHangs() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        let stop = Atomic<Bool>(false)
        let writes = Atomic<Int>(0)
        let writers = (0..<2).map { writer in
            BackgroundThread {
                var index = 0
                while !stop.load(ordering: .relaxed) {
                    _ = try? store.put(bytes("w\(writer)-\(index)"), [UInt8](repeating: 1, count: 64), durability: .buffered)
                    writes.add(1, ordering: .relaxed)
                    index += 1
                }
            }
        }
        let flushes = Atomic<Int>(0)
        let flusher = BackgroundThread {
            for _ in 0..<300 {
                try? store.flush()
                flushes.add(1, ordering: .relaxed)
            }
        }
        let finished = waitUntil(timeout: .seconds(60)) { flushes.load(ordering: .relaxed) == 300 }
        stop.store(true, ordering: .relaxed)
        #expect(finished, "flush() hung after \(flushes.load(ordering: .relaxed)) calls beside \(writes.load(ordering: .relaxed)) writes")
        guard finished else { return }  // threads are stuck: leave them rather than hang the suite
        flusher.join()
        for writer in writers { writer.join() }
        try store.close()
    }

    // MARK: 2. Manifest damage

    /// A store whose manifest holds many edits (flushes and compactions since the last open).
    static func storeWithManyEdits(_ fileSystem: MemoryFileSystem, keys: Int = 3000) throws -> KeyValueModel {
        var options = testOptions(fileSystem)
        options.manifestRotationBytes = 0
        let store = try Store.open(at: "/db", options: options)
        var model = KeyValueModel()
        for index in 0..<keys {
            let key = bytes("key\(index * 7919 % keys)")
            let value = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 50)
            try store.put(key, value, durability: .buffered)
            model.apply([.put(key, value)])
        }
        try store.flush()
        store.waitForCompactions()
        try store.close()
        return model
    }

    static func manifestName(_ fileSystem: MemoryFileSystem) throws -> String {
        String(decoding: try fileSystem.contents(of: "/db/CURRENT").dropLast(), as: UTF8.self)
    }

    /// Every truncation of the manifest either opens with exactly the data or fails with
    /// corruption, and a failed open removes no file. (A truncated manifest used to fall back to
    /// an older file set, delete the newer tables and open "successfully" without them.)
    @Test func truncatedManifestNeverLosesData() throws {
        let fileSystem = MemoryFileSystem()
        let model = try Self.storeWithManyEdits(fileSystem)
        let manifest = try Self.manifestName(fileSystem)
        let original = try fileSystem.contents(of: "/db/" + manifest)
        let snapshot = try Self.directorySnapshot(fileSystem)
        var opened = 0
        var refused = 0
        for cut in stride(from: original.count - 1, to: 0, by: -max(1, original.count / 60)) {
            try Self.restore(fileSystem, snapshot)
            try fileSystem.overwrite("/db/" + manifest, with: Array(original[0..<cut]))
            let before = try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".sst") }.sorted()
            do {
                let store = try Store.open(at: "/db", options: testOptions(fileSystem))
                #expect(try expectEqual(store, model, "manifest cut at \(cut)"))
                try store.close()
                opened += 1
            } catch let error as TernError {
                #expect(error.code == .corruption, "cut at \(cut): \(error)")
                let after = try fileSystem.listDirectory("/db").filter { $0.hasSuffix(".sst") }.sorted()
                #expect(after == before, "cut at \(cut): a failed open removed tables")
                refused += 1
            }
        }
        print("[manifest-truncation] \(opened) opened with exact data, \(refused) refused with corruption")
        #expect(refused > 0)
    }

    /// One flipped bit in the manifest's last edit was taken for a torn tail. It is corruption,
    /// named with the manifest, and no table is removed.
    @Test func flippedBitInTheLastManifestEditIsCorruption() throws {
        let fileSystem = MemoryFileSystem()
        _ = try Self.storeWithManyEdits(fileSystem)
        let manifest = try Self.manifestName(fileSystem)
        var content = try fileSystem.contents(of: "/db/" + manifest)
        content[content.count - 2] ^= 0x08
        try fileSystem.overwrite("/db/" + manifest, with: content)
        let before = try fileSystem.listDirectory("/db").sorted()
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            (error as? TernError)?.code == .corruption && (error as? TernError)?.file == manifest
        }
        #expect(try fileSystem.listDirectory("/db").sorted() == before)
    }

    /// The manifest is rewritten as a snapshot when it passes `manifestRotationBytes`, so it stays
    /// bounded while the store is open (it used to be rewritten only at open and filled a disk).
    @Test func manifestRotatesWhileOpen() throws {
        let fileSystem = MemoryFileSystem()
        var options = testOptions(fileSystem)
        options.manifestRotationBytes = 2048
        let store = try Store.open(at: "/db", options: options)
        var model = KeyValueModel()
        var largest = 0
        for index in 0..<4000 {
            let key = bytes("key\(index * 31 % 4000)")
            try store.put(key, [UInt8](repeating: 3, count: 40), durability: .buffered)
            model.apply([.put(key, [UInt8](repeating: 3, count: 40))])
            if index % 200 == 0 {
                let manifests = try fileSystem.listDirectory("/db").filter { $0.hasPrefix("MANIFEST-") }
                #expect(manifests.count <= 2, "\(manifests)")
                for name in manifests { largest = max(largest, try fileSystem.fileSize("/db/" + name)) }
            }
        }
        store.waitForCompactions()
        #expect(store.statistics.flushes > 10)
        #expect(largest < 2048 + 4096, "the manifest grew to \(largest) bytes")
        try store.close()
        let reopened = try Store.open(at: "/db", options: options)
        #expect(try expectEqual(reopened, model, "after rotations"))
        try reopened.close()
    }

    // MARK: 3, 4, 10. WAL damage

    /// A store whose only WAL holds `count` synced batches (nothing flushed).
    static func storeWithWAL(_ fileSystem: MemoryFileSystem, count: Int = 5) throws -> String {
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        for index in 0..<count {
            try store.put(bytes("key\(index)"), [UInt8](repeating: UInt8(index + 1), count: 100), durability: .synced)
        }
        fileSystem.crash(.kept)  // no close: the WAL stays, as after a kill -9
        return try fileSystem.listDirectory("/db").first { $0.hasSuffix(".wal") }!
    }

    /// One flipped bit in the first record's length field made recovery drop every later synced
    /// batch of the block silently. It is corruption at offset 0.
    @Test func damagedLengthOfTheFirstWALRecordIsReported() throws {
        let fileSystem = MemoryFileSystem()
        let wal = try Self.storeWithWAL(fileSystem)
        var content = try fileSystem.contents(of: "/db/" + wal)
        content[5] ^= 0x01
        try fileSystem.overwrite("/db/" + wal, with: content)
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            let error = error as? TernError
            return error?.code == .corruption && error?.file == wal && error?.offset == 0
        }
    }

    /// A power cut that lost the first page of an unsynced record spanning several blocks made
    /// the store refuse to open (its MIDDLE and LAST fragments looked like "an intact record
    /// follows"). It is a torn tail: dropped, counted and reported.
    @Test func powerCutLosingThePageOfAnUnsyncedLargeRecordOpens() throws {
        let fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 8 << 20))
        try store.put(bytes("synced"), [UInt8](repeating: 9, count: 100), durability: .synced)
        let large = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 131 | 1) }
        try store.put(bytes("buffered"), large, durability: .buffered)
        fileSystem.crash(.lostPages(isLost: { $0 == 0 }))
        let log = InMemoryLogHandler()
        var options = testOptions(fileSystem)
        options.logger = Logger(label: "test", factory: { _ in log })
        let reopened = try Store.open(at: "/db", options: options)
        #expect(log.entries.contains { $0.level == .warning && "\($0.message)".contains("torn tail") }, "\(log.entries)")
        #expect(try reopened.get(bytes("synced")) == [UInt8](repeating: 9, count: 100))
        #expect(try reopened.get(bytes("buffered")) == nil)
        #expect(reopened.recoveryReport.tornTails.count == 1)
        #expect(reopened.statistics.tornBytesDropped > 100_000)
        #expect(reopened.recoveryReport.summary?.contains("torn tail") == true)
        try reopened.close()
    }

    /// A WAL batch whose sequence is at or beyond 2^56 trapped in `SequenceNumber.init`; it is
    /// corruption naming the WAL.
    @Test(arguments: [UInt64(1) << 56, UInt64.max, (UInt64(1) << 56) - 1])
    func walBatchSequenceOutOfRangeIsCorruption(sequence: UInt64) throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/db")
        _ = try Store.open(at: "/db", options: testOptions(fileSystem)).close()
        let wal = try fileSystem.listDirectory("/db").first { $0.hasSuffix(".wal") }!
        var payload: [UInt8] = []
        payload.appendFixed64(sequence)
        payload.appendFixed32(2)  // two puts: the second overflows even from 2^56 - 1
        for key in ["a", "b"] {
            payload.append(ValueKind.value.rawValue)
            payload.appendLengthPrefixed(Array(key.utf8))
            payload.appendLengthPrefixed([1])
        }
        var writer = LogWriter(file: try fileSystem.openWritable("/db/" + wal, truncate: true))
        try writer.add(payload)
        try writer.sync()
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            (error as? TernError)?.code == .corruption && (error as? TernError)?.file == wal
        }
    }

    // MARK: 5. A write reported as failed was applied

    /// A synced writer waiting behind another writer's sync threw the store-wide error of a
    /// failed compaction without syncing, though its write was applied (visible, and present
    /// after reopen): a retried `ADD` would apply twice. Now only a WAL failure fails the wait.
    @Test func failedCompactionDoesNotFailAnAppliedSyncedWrite() throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        let outcome = Mutex<Result<Void, Error>?>(nil)
        let started = Atomic<Bool>(false)
        fileSystem.setBeforeSync { path in
            guard path.hasSuffix(".wal"), !started.exchange(true, ordering: .relaxed) else { return }
            // While writer A syncs: writer B's group is applied and B waits for A's sync; then a
            // background failure (as a failed compaction reports it) lands.
            let writerB = BackgroundThread {
                let result = Result { _ = try store.put(bytes("b"), [2], durability: .synced) }
                outcome.withLock { $0 = result }
            }
            _ = waitUntil { store.lock.withLock { store.syncWaiters == 2 } }
            store.lock.withLock { store.refuseWrites(after: TernError(.noSpace, "injected"), while: "compacting level 1") }
            _ = writerB
        }
        try store.put(bytes("a"), [1], durability: .synced)
        #expect(waitUntil { outcome.withLock { $0 != nil } })
        fileSystem.setBeforeSync(nil)
        if case .failure(let error)? = outcome.withLock({ $0 }) {
            Issue.record("an applied synced write reported failure: \(error)")
        }
        #expect(try store.get(bytes("b")) == [2])
        #expect(throws: TernError.self) { try store.put(bytes("c"), [3], durability: .synced) }
        fileSystem.crash(stopping: store, .dropped)
        let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
        #expect(try reopened.get(bytes("b")) == [2], "the acknowledged write was lost")
        try reopened.close()
    }

    /// End to end: synced writers while table writes fail with ENOSPC. Every write that reported
    /// success is present after a power cut, and every write that reported failure is absent.
    @Test func writesFailingOnAFullDiskWereNotApplied() throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem))
        fileSystem.inject(.init(nth: 3, kinds: [.append], errno: ENOSPC, persistent: true, pathSuffix: ".sst"))
        let acknowledged = Mutex<[[UInt8]]>([])
        let refused = Mutex<[[UInt8]]>([])
        let threads = (0..<4).map { writer in
            BackgroundThread {
                for index in 0..<400 {
                    let key = bytes("w\(writer)-\(index)")
                    do {
                        try store.put(key, [UInt8](repeating: 5, count: 200), durability: .synced)
                        acknowledged.withLock { $0.append(key) }
                    } catch {
                        refused.withLock { $0.append(key) }
                    }
                }
            }
        }
        for thread in threads { thread.join() }
        #expect(!refused.withLock { $0 }.isEmpty, "the fault never stopped writes: the test cannot tell")
        fileSystem.crash(stopping: store, .dropped)
        let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
        for key in acknowledged.withLock({ $0 }) {
            #expect(try reopened.get(key) != nil, "acknowledged \(String(decoding: key, as: UTF8.self)) is missing")
        }
        for key in refused.withLock({ $0 }) {
            #expect(try reopened.get(key) == nil, "refused \(String(decoding: key, as: UTF8.self)) was applied")
        }
        try reopened.close()
    }

    // MARK: 6. Oversized batches

    /// A batch over the total limit trapped in `LogWriter`; it is refused with `.invalidArgument`
    /// and nothing is written.
    @Test func oversizedBatchIsRefused() throws {
        let fileSystem = MemoryFileSystem()
        var options = testOptions(fileSystem)
        options.maxBatchBytes = 10_000
        let store = try Store.open(at: "/db", options: options)
        var batch = WriteBatch()
        for index in 0..<100 { batch.put(bytes("k\(index)"), [UInt8](repeating: 1, count: 100)) }
        #expect { try store.write(batch, durability: .synced) } throws: { ($0 as? TernError)?.code == .invalidArgument }
        #expect(try store.get(bytes("k0")) == nil)
        try store.put(bytes("after"), [1], durability: .synced)  // the store still writes
        try store.close()
    }

    /// At the default limit: 17 values of 16 MiB (272 MiB) are refused, not trapped on.
    @Test func batchOverTheDefaultLimitIsRefused() throws {
        let store = try Store.open(at: "/db", options: testOptions(MemoryFileSystem()))
        var batch = WriteBatch()
        let value = [UInt8](repeating: 0xAB, count: WriteBatch.maxValueSize)
        for index in 0..<17 { batch.put(bytes("k\(index)"), value) }
        #expect { try store.write(batch, durability: .buffered) } throws: { ($0 as? TernError)?.code == .invalidArgument }
        try store.close()
    }

    // MARK: 7, 8. Descriptors

    /// A file closed twice could close a descriptor another thread had been given since: a second
    /// `close()` of a POSIX file now does nothing.
    @Test func posixFileClosedTwiceDoesNotCloseAnotherFile() throws {
        let directory = try temporaryDirectory("close-twice")
        defer { removeTree(directory) }
        let fileSystem = PosixFileSystem()
        let first = try fileSystem.openWritable(directory + "/a", truncate: true)
        try first.close()
        let second = try fileSystem.openWritable(directory + "/b", truncate: true)  // likely reuses the number
        try first.close()
        try second.append(bytes("still open"))
        try second.close()
        #expect(try fileSystem.readFile(directory + "/b") == bytes("still open"))
    }

    /// When the directory sync after a flush failed, the new table was closed twice.
    @Test func failedDirectorySyncAfterAFlushClosesTheTableOnce() throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        try store.put(bytes("a"), [1], durability: .buffered)
        // The first directory sync is the new WAL's (the memtable switch), the second the table's.
        fileSystem.inject(.init(nth: 2, kinds: [.syncDirectory]))
        #expect(throws: TernError.self) { try store.flush() }
        fileSystem.clearFault()
        try? store.close()
        let tables = fileSystem.writableFiles.filter { $0.path.hasSuffix(".sst") }
        #expect(!tables.isEmpty)
        for file in tables { #expect(file.closeCount == 1, "\(file.path) closed \(file.closeCount) times") }
    }

    /// When finishing or syncing a compaction output threw, its descriptor leaked.
    @Test(arguments: [FaultInjectingFileSystem.Operation.sync, .append])
    func failedCompactionOutputIsClosed(failing operation: FaultInjectingFileSystem.Operation) throws {
        let fileSystem = FaultInjectingFileSystem()
        let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
        for round in 0..<3 {
            for index in 0..<200 { try store.put(bytes("k\(index)"), [UInt8(round)], durability: .buffered) }
            try store.flush()
        }
        let before = fileSystem.writableFiles.count
        fileSystem.inject(.init(nth: 1, kinds: [operation], pathSuffix: ".sst"))
        #expect(throws: TernError.self) { try store.compactLevel0() }
        fileSystem.clearFault()
        try? store.close()
        let outputs = fileSystem.writableFiles[before...].filter { $0.path.hasSuffix(".sst") }
        #expect(!outputs.isEmpty)
        for file in outputs { #expect(file.closeCount == 1, "\(file.path) closed \(file.closeCount) times") }
    }

    // MARK: 9. Durable creation

    /// A new store's directory entry was not synced, so its first synced write could be
    /// acknowledged while the directory itself might vanish in a power cut.
    @Test func creatingAStoreSyncsTheParentDirectories() throws {
        let fileSystem = FaultInjectingFileSystem()
        try fileSystem.createDirectory("/data")
        let store = try Store.open(at: "/data/a/db", options: testOptions(fileSystem))
        try store.close()
        let syncs = fileSystem.directorySyncs
        #expect(syncs.contains("/data"), "\(syncs)")
        #expect(syncs.contains("/data/a"), "\(syncs)")
    }

    // MARK: 10. Iteration

    /// The store iterator skipped an entry whose internal key did not decode, hiding the key (or
    /// showing an older version of it). It stops and reports corruption naming the table.
    @Test func malformedInternalKeyStopsIterationWithAnError() throws {
        let fileSystem = MemoryFileSystem()
        var options = testOptions(fileSystem, memtableBudgetBytes: 1 << 20)
        options.compression = .none
        let store = try Store.open(at: "/db", options: options)
        for index in 0..<5 { try store.put(bytes("key\(index)"), bytes("value\(index)"), durability: .buffered) }
        try store.flush()
        try store.close()
        let table = try fileSystem.listDirectory("/db").first { $0.hasSuffix(".sst") }!
        var content = try fileSystem.contents(of: "/db/" + table)
        // The trailer of "key2" ends right before its value; its first byte is the kind (1), and
        // 7 is no kind. Then re-checksum the block.
        let needle = bytes("value2")
        let position = (0...(content.count - needle.count)).first { Array(content[$0..<($0 + needle.count)]) == needle }!
        #expect(content[position - 8] == ValueKind.value.rawValue)
        content[position - 8] = 7
        let handle = try Self.firstDataBlock(fileSystem, table: table)
        let crc = content.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[handle.offset..<(handle.offset + handle.size + 1)])) }
        let masked = CRC32C.mask(crc)
        for byte in 0..<4 { content[handle.offset + handle.size + 1 + byte] = UInt8(truncatingIfNeeded: masked >> (8 * UInt32(byte))) }
        try fileSystem.overwrite("/db/" + table, with: content)
        let reopened = try Store.open(at: "/db", options: options)
        defer { try? reopened.close() }
        #expect { _ = try reopened.scan() } throws: { error in
            (error as? TernError)?.code == .corruption && (error as? TernError)?.file == table
        }
    }

    static func firstDataBlock(_ fileSystem: MemoryFileSystem, table: String) throws -> BlockHandle {
        let opened = try SSTable.open(file: fileSystem.openReadable("/db/" + table), path: table)
        return dataBlockHandles(opened)[0]
    }

    // MARK: Support

    static func directorySnapshot(_ fileSystem: MemoryFileSystem) throws -> [String: [UInt8]] {
        var snapshot: [String: [UInt8]] = [:]
        for name in try fileSystem.listDirectory("/db") where name != "LOCK" {
            snapshot[name] = try fileSystem.contents(of: "/db/" + name)
        }
        return snapshot
    }

    static func restore(_ fileSystem: MemoryFileSystem, _ snapshot: [String: [UInt8]]) throws {
        for name in try fileSystem.listDirectory("/db") where snapshot[name] == nil && name != "LOCK" {
            try fileSystem.removeFile("/db/" + name)
        }
        for (name, content) in snapshot {
            if fileSystem.exists("/db/" + name) {
                try fileSystem.overwrite("/db/" + name, with: content)
            } else {
                let file = try fileSystem.openWritable("/db/" + name, truncate: true)
                try file.append(content)
                try file.sync()
                try file.close()
            }
        }
    }
}

/// Traps in the table layer's public API on bad arguments (audit item 9) live in
/// `TernTablesTests.PublicAPITrapTests`.

/// Removes `path` and everything under it.
func removeTree(_ path: String) {
    let fileSystem = PosixFileSystem()
    for name in (try? fileSystem.listDirectory(path)) ?? [] {
        let child = path + "/" + name
        if (try? fileSystem.listDirectory(child)) != nil { removeTree(child) } else { unlink(child) }
    }
    rmdir(path)
}
