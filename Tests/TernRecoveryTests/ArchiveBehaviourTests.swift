import Glibc
import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

@Suite struct ArchiveBehaviourTests {
    static func putUsers(_ fixture: ArchivedStoreFixture, _ range: Range<Int>) throws {
        for index in range {
            _ = try fixture.tables.putItem(PutItemRequest(tableName: "Users", item: [
                "email": .string("u\(index)@x.org"), "city": .string("Oslo"), "age": .number(Number(20 + index % 50))]),
                durability: .buffered)
            fixture.wall.advance(microseconds: 10)
        }
    }

    /// The live directory is lost: the archive alone restores the latest archived state.
    @Test func restoreAfterTheLiveDirectoryIsDeleted() throws {
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        try Self.putUsers(fixture, 0..<300)
        try fixture.archive.archiveNow()
        try fixture.collectHistory()
        let latest = fixture.archive.state.window!.latest
        try fixture.close()
        ArchiveRestore.removeTree(ArchivedStoreFixture.storePath, fileSystem: fixture.fileSystem)
        #expect(!fixture.fileSystem.exists(ArchivedStoreFixture.storePath))
        let summary = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .latest, into: "/back",
                                                 fileSystem: fixture.fileSystem)
        #expect(summary.instant == latest)
        #expect(try fixture.digest(ofStoreAt: "/back") == fixture.expectedDigest(at: .max))
        #expect(summary.tables.first { $0.name == "Users" }?.items == 300)
    }

    /// A full archive disk: writes go on, the status says what fails and since when, and once
    /// the disk has room the archive catches up exactly.
    @Test func archiveFailureIsReportedAndCaughtUp() throws {
        let faults = FaultInjectingFileSystem()
        let fixture = try ArchivedStoreFixture(fileSystem: faults)
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        try Self.putUsers(fixture, 0..<50)
        try fixture.archive.archiveNow()
        faults.inject(.init(nth: 1, kinds: [.append, .sync], errno: ENOSPC, persistent: true, pathSuffix: ".seg"))
        try Self.putUsers(fixture, 50..<120)
        #expect(throws: TernError.self) { try fixture.archive.archiveNow() }
        try Self.putUsers(fixture, 120..<150)  // the store keeps writing
        faults.clearFault()
        try fixture.archive.archiveNow()
        try fixture.collectHistory()
        #expect(fixture.archive.status.lastArchivedSequence == fixture.history.last!.lastSequence)
        let summary = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .latest, into: "/caught-up",
                                                 fileSystem: fixture.fileSystem)
        #expect(summary.tables.first { $0.name == "Users" }?.items == 150)
        #expect(try fixture.digest(ofStoreAt: "/caught-up") == fixture.expectedDigest(at: .max))
        try fixture.close()
    }

    /// The archive thread records a failing pass in `status` (and recovers on its own).
    @Test func backgroundPassesReportFailures() throws {
        let faults = FaultInjectingFileSystem()
        var options = ArchivedStoreFixture.archiveOptions()
        options.archiveInterval = .milliseconds(10)
        let fixture = try ArchivedStoreFixture(fileSystem: faults)
        try fixture.archive.stop()
        fixture.archive = try ContinuousArchive.start(store: fixture.tables.store, directory: ArchivedStoreFixture.archivePath, options: options)
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        faults.inject(.init(nth: 1, kinds: [.append, .sync], errno: ENOSPC, persistent: true, pathSuffix: ".seg"))
        try Self.putUsers(fixture, 0..<20)
        #expect(waitUntil { fixture.archive.status.failure != nil })
        #expect(fixture.archive.status.failingSinceMicroseconds != nil)
        faults.clearFault()
        #expect(waitUntil { fixture.archive.status.failure == nil && fixture.archive.status.lastArchivedSequence == fixture.tables.store.durableSequence })
        try fixture.close()
    }

    /// The archive fell further behind than the store keeps its WALs: it records the gap and a
    /// new checkpoint; instants in the gap are refused saying so, later ones restore.
    @Test func gapIsRecordedAndReported() throws {
        let fixture = try ArchivedStoreFixture()
        try fixture.close()
        var options = fixture.storeOptions
        options.changeFeedRetentionBytes = 16 << 10
        fixture.tables = try TableStore.open(at: ArchivedStoreFixture.storePath, storeOptions: options, clock: TableClock { 1_700_000_000 },
                                             ttlPurgeInterval: nil)
        fixture.archive = try ContinuousArchive.start(store: fixture.tables.store, directory: ArchivedStoreFixture.archivePath,
                                                      options: ArchivedStoreFixture.archiveOptions(), startThread: false)
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        try fixture.archive.archiveNow()
        let beforeGap = fixture.tables.store.lastCommittedStamp
        try Self.putUsers(fixture, 0..<800)  // far past the retention, not archived meanwhile
        try fixture.tables.store.flush()
        let inGap = fixture.tables.store.lastCommittedStamp
        fixture.wall.advance(microseconds: 1_000)
        try fixture.archive.archiveNow()
        let gaps = fixture.archive.status.gaps
        #expect(gaps.count == 1)
        #expect(gaps.first.map { $0.afterStamp >= beforeGap && $0.afterStamp < inGap } == true)
        #expect {
            _ = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .stamp(inGap.advanced(by: 0) < gaps[0].resumeStamp ? inGap : beforeGap.advanced(by: 1)),
                                           into: "/in-gap", fileSystem: fixture.fileSystem)
        } throws: { "\($0)".contains("gap") }
        try Self.putUsers(fixture, 800..<810)
        try fixture.archive.archiveNow()
        let summary = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .latest, into: "/after-gap",
                                                 fileSystem: fixture.fileSystem)
        #expect(summary.tables.first { $0.name == "Users" }?.items == 810)
        try fixture.close()
    }

    /// An archive belongs to one store lineage: a different store is refused, a restored store
    /// starts a new lineage.
    @Test func anotherStoreIsRefused() throws {
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        try fixture.archive.archiveNow()
        _ = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .latest, into: "/copy", fileSystem: fixture.fileSystem)
        var options = fixture.storeOptions
        options.createIfMissing = false
        let copy = try Store.open(at: "/copy", options: options)
        #expect { _ = try ContinuousArchive.start(store: copy, directory: ArchivedStoreFixture.archivePath, options: ArchiveOptions(), startThread: false) }
            throws: { ($0 as? TernError)?.code == .invalidArgument && "\($0)".contains("lineage") }
        let fresh = try ContinuousArchive.start(store: copy, directory: "/archive-2", options: ArchiveOptions(), startThread: false)
        #expect(fresh.state.lineage != fixture.archive.state.lineage)
        try fresh.stop()
        try copy.close()
        try fixture.close()
    }

    @Test func retentionBelowAnHourIsRefused() throws {
        let fixture = try ArchivedStoreFixture()
        var options = ArchiveOptions()
        options.retention = .seconds(600)
        #expect { _ = try ContinuousArchive.start(store: fixture.tables.store, directory: "/other", options: options, startThread: false) }
            throws: { ($0 as? TernError)?.code == .invalidArgument }
        try fixture.close()
    }

    /// Pruning by retention removes old checkpoints and segments and keeps every instant of the
    /// window restorable (end to end; the property test covers schedules).
    @Test func pruningKeepsTheWindow() throws {
        var options = ArchivedStoreFixture.archiveOptions()
        options.retention = .seconds(3600)
        options.checkpointInterval = .seconds(1200)
        let fixture = try ArchivedStoreFixture(archiveOptions: options)
        try fixture.close()
        try fixture.open(archiveOptions: options)
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        var index = 0
        for _ in 0..<40 {  // 40 × 5 minutes
            try Self.putUsers(fixture, index..<(index + 10))
            index += 10
            fixture.wall.advance(microseconds: 300_000_000)
            try fixture.archive.archiveNow()
        }
        try fixture.collectHistory()
        let state = fixture.archive.state
        let window = try #require(state.window)
        let now = fixture.wall.microsecondsSinceEpoch()
        #expect(window.earliest.physicalMicroseconds <= now - 3_600_000_000, "the window is shorter than the retention")
        #expect(window.earliest.physicalMicroseconds > now - 2 * 3_600_000_000, "nothing was pruned")
        #expect(state.checkpoints.count < 12)
        for batch in fixture.history where window.contains(batch.stamp) {
            guard batch.stamp.physicalMicroseconds % 7 == 0 else { continue }
            _ = try ArchiveRestore.restore(archive: ArchivedStoreFixture.archivePath, to: .stamp(batch.stamp), into: "/p", fileSystem: fixture.fileSystem)
            #expect(try fixture.digest(ofStoreAt: "/p") == fixture.expectedDigest(at: batch.stamp))
            ArchiveRestore.removeTree("/p", fileSystem: fixture.fileSystem)
        }
        try fixture.close()
    }
}
