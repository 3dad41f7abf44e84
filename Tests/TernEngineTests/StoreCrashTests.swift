import Glibc
import Testing
import TernTesting
@testable import TernEngine

/// Crash tests on the simulated disk: after every injected crash the reopened store must equal
/// the model after some prefix of the acknowledged batches, and that prefix must contain every
/// batch acknowledged as `.synced`.
@Suite struct StoreCrashTests {
    /// Replays the crash workload's batches `0...lastIndex` into a model.
    static func model(seed: UInt64, through lastIndex: Int) -> KeyValueModel {
        var model = KeyValueModel()
        if lastIndex >= 0 {
            for index in 0...lastIndex { model.apply(CrashWorkload.operations(seed: seed, index: index)) }
        }
        return model
    }

    /// Checks the recovered store: returns the index of the last batch it holds.
    static func verifyPrefix(
        _ store: Store, seed: UInt64, lastSynced: Int, lastAttempted: Int, context: String
    ) throws -> Int {
        let recovered = CrashWorkload.recoveredIndex(try store.get(CrashWorkload.markerKey))
        #expect(recovered >= lastSynced, "\(context): lost synced batch \(lastSynced), recovered only \(recovered)")
        #expect(recovered <= lastAttempted, "\(context): recovered batch \(recovered) that was never written")
        #expect(try expectEqual(store, model(seed: seed, through: recovered), context), "\(context): not a prefix")
        return recovered
    }

    static let crashModes: [(String, MemoryFileSystem.UnsyncedData)] = [
        ("dropped", .dropped), ("kept", .kept),
        ("torn-half", .torn(keep: { $0 / 2 })), ("torn-minus-3", .torn(keep: { $0 - 3 })),
    ]

    @Test(arguments: 0..<crashModes.count)
    func crashAtRandomPoints(mode: Int) throws {
        var generator = SeededGenerator.fromEnvironment("crash-\(Self.crashModes[mode].0)")
        let seed = generator.next()
        let fileSystem = FaultInjectingFileSystem()
        var nextIndex = 0
        for cycle in 0..<25 {
            let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 6 << 10))
            let recovered = try Self.verifyPrefix(
                store, seed: seed, lastSynced: -1, lastAttempted: nextIndex - 1, context: "open \(cycle)")
            // Continue the workload from what survived, so the model stays a plain prefix.
            nextIndex = recovered + 1
            var lastSynced = recovered
            for _ in 0..<Int.random(in: 1...120, using: &generator) {
                let synced = Int.random(in: 0..<3, using: &generator) == 0
                try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: nextIndex)),
                                durability: synced ? .synced : .buffered)
                if synced { lastSynced = nextIndex }
                nextIndex += 1
                if Int.random(in: 0..<40, using: &generator) == 0 { try store.flush() }
            }
            fileSystem.crash(stopping: store, Self.crashModes[mode].1)
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 6 << 10))
            nextIndex = try Self.verifyPrefix(
                reopened, seed: seed, lastSynced: lastSynced, lastAttempted: nextIndex - 1, context: "cycle \(cycle)") + 1
            try reopened.close()
        }
    }

    /// Fails the Nth file-system operation (EIO or ENOSPC, sometimes a short write), then crashes:
    /// the store must refuse writes after a failed sync and recover to a valid prefix.
    @Test func injectedIOErrorsThenCrash() throws {
        var generator = SeededGenerator.fromEnvironment("crash-io-errors")
        let seed = generator.next()
        for trial in 0..<60 {
            let fileSystem = FaultInjectingFileSystem()
            let options = testOptions(fileSystem, memtableBudgetBytes: 4 << 10)
            var lastSynced = -1
            var lastAttempted = -1
            do {
                let store = try Store.open(at: "/db", options: options)
                fileSystem.inject(.init(
                    nth: Int.random(in: 1...150, using: &generator),
                    kinds: [.append, .sync, .open, .rename, .syncDirectory],
                    errno: Bool.random(using: &generator) ? EIO : ENOSPC,
                    persistent: Bool.random(using: &generator),
                    partialAppend: Bool.random(using: &generator)))
                var failed = false
                for index in 0..<200 {
                    let synced = index % 3 == 0
                    lastAttempted = index
                    do {
                        try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)),
                                        durability: synced ? .synced : .buffered)
                    } catch {
                        failed = true
                        break
                    }
                    if synced { lastSynced = index }
                }
                if failed {
                    // After a failure the store must not accept writes that could land after a hole.
                    #expect(throws: TernError.self) {
                        try store.write(WriteBatch([.put([1], [1])]), durability: .synced)
                    }
                }
                fileSystem.crash(stopping: store, .dropped)
            } catch {
                // Open itself failed under the fault: nothing was acknowledged.
                fileSystem.clearFault()
                fileSystem.base.crash(.dropped)
            }
            let reopened = try Store.open(at: "/db", options: options)
            // A write that threw may or may not have landed; nothing after it was accepted.
            _ = try Self.verifyPrefix(
                reopened, seed: seed, lastSynced: lastSynced, lastAttempted: lastAttempted, context: "trial \(trial)")
            try reopened.close()
        }
    }

    /// A crash at every point of a flush or manifest switch: count the file-system operations of
    /// one flush, then crash after each prefix of them.
    @Test func crashDuringFlushAndManifestSwitch() throws {
        let seed: UInt64 = 7
        let probe = FaultInjectingFileSystem()
        let options = testOptions(probe, memtableBudgetBytes: 1 << 20)
        let store = try Store.open(at: "/db", options: options)
        for index in 0..<50 { try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)), durability: .synced) }
        let before = probe.operationCount()
        try store.flush()
        let flushOperations = probe.operationCount() - before
        try store.close()
        #expect(flushOperations > 3)

        for crashAfter in 1...(flushOperations + 2) {
            let fileSystem = FaultInjectingFileSystem()
            let options = testOptions(fileSystem, memtableBudgetBytes: 1 << 20)
            let store = try Store.open(at: "/db", options: options)
            for index in 0..<50 { try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)), durability: .synced) }
            // Every operation from the crash point on fails, as if the machine stopped there.
            fileSystem.inject(.init(nth: crashAfter, persistent: true))
            try? store.flush()
            fileSystem.crash(stopping: store, .dropped)
            let reopened = try Store.open(at: "/db", options: options)
            _ = try Self.verifyPrefix(reopened, seed: seed, lastSynced: 49, lastAttempted: 49, context: "crash after \(crashAfter)")
            try reopened.close()
        }
    }

    /// A crash at every point of recovery (WAL replay into a table, new WAL, new manifest,
    /// CURRENT switch, cleanup): the next open still finds every synced batch.
    @Test func crashDuringRecovery() throws {
        let seed: UInt64 = 11
        func populated() throws -> FaultInjectingFileSystem {
            let fileSystem = FaultInjectingFileSystem()
            let store = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
            for index in 0..<40 {
                try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)), durability: .synced)
            }
            fileSystem.crash(stopping: store, .dropped)
            return fileSystem
        }
        let probe = try populated()
        let before = probe.operationCount()
        try Store.open(at: "/db", options: testOptions(probe, memtableBudgetBytes: 1 << 20)).close()
        let recoveryOperations = probe.operationCount() - before
        #expect(recoveryOperations > 5)

        for crashAfter in 1...(recoveryOperations + 1) {
            let fileSystem = try populated()
            fileSystem.inject(.init(nth: crashAfter, persistent: true))
            if let store = try? Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20)) {
                fileSystem.crash(stopping: store, .dropped)
            } else {
                fileSystem.clearFault()
                fileSystem.base.crash(.dropped)
            }
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem, memtableBudgetBytes: 1 << 20))
            _ = try Self.verifyPrefix(reopened, seed: seed, lastSynced: 39, lastAttempted: 39, context: "recovery crash after \(crashAfter)")
            try reopened.close()
        }
    }
}

extension StoreCrashTests {
    /// Regression (found by the kill -9 test): a crash while a new store was being created,
    /// after its first WAL existed but before CURRENT did, left a directory that refused to open.
    @Test func crashDuringCreationLeavesAStoreThatOpens() throws {
        let probe = FaultInjectingFileSystem()
        let before = probe.operationCount()
        try Store.open(at: "/db", options: testOptions(probe)).close()
        let creationOperations = probe.operationCount() - before
        for crashAfter in 1...creationOperations {
            let fileSystem = FaultInjectingFileSystem()
            fileSystem.inject(.init(nth: crashAfter, persistent: true))
            if let store = try? Store.open(at: "/db", options: testOptions(fileSystem)) {
                fileSystem.crash(stopping: store, .kept)
            } else {
                fileSystem.clearFault()
                fileSystem.base.crash(.kept)
            }
            let reopened = try Store.open(at: "/db", options: testOptions(fileSystem))
            try reopened.put([1], [2], durability: .synced)
            try reopened.close()
        }
    }
}
