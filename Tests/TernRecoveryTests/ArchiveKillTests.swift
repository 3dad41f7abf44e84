import Glibc
import Testing
import TernEngine
import TernTesting
@testable import TernRecovery

/// A child process writes synced batches with a continuous archive running and is killed with
/// SIGKILL. Then either the store is reopened (its archive catches up) and a restore to the
/// latest instant holds every acknowledged batch; or the live directory is deleted and a restore
/// from the archive alone holds a prefix of them. An instant past the window is refused.
@Suite struct ArchiveKillTests {
    static var childPath: String {
        ChildProcess.siblingExecutable("tern-crash-writer", overriddenBy: "TERN_CRASH_WRITER")
    }

    static func model(seed: UInt64, through lastIndex: Int) -> StoreDigest {
        var model = KeyValueModel()
        if lastIndex >= 0 {
            for index in 0...lastIndex { model.apply(CrashWorkload.operations(seed: seed, index: index)) }
        }
        return StoreDigest(model.scan())
    }

    /// The index of the last batch a restored store holds, after checking it holds exactly the
    /// batches through it.
    static func restoredIndex(_ directory: String, seed: UInt64) throws -> Int {
        let store = try Store.open(at: directory, options: StoreOptions())
        defer { try? store.close() }
        let index = CrashWorkload.recoveredIndex(try store.get(CrashWorkload.markerKey))
        #expect(StoreDigest(try store.scan()) == model(seed: seed, through: index), "restored store is not a prefix through \(index)")
        return index
    }

    @Test func killedWhileArchiving() throws {
        var generator = SeededGenerator.fromEnvironment("archive-kill-9")
        let seed = generator.next() % 1_000_000
        #expect(access(Self.childPath, X_OK) == 0, "child binary missing at \(Self.childPath)")
        let root = try temporaryDirectory("archive-kill")
        defer { ArchiveRestore.removeTree(root, fileSystem: PosixFileSystem()) }
        for cycle in 0..<6 {
            let store = "\(root)/store-\(cycle)", archive = "\(root)/archive-\(cycle)"
            let outcome = try ChildProcess.run(Self.childPath, ["archive-writer", store, archive, String(seed), "0"],
                                               killAfterMicroseconds: UInt32.random(in: 300_000...900_000, using: &generator))
            let lines = outcome.text.split(separator: "\n")
            let acknowledged = (outcome.output.last == UInt8(ascii: "\n") ? lines : lines.dropLast()).compactMap { Int($0) }
            let lastAcknowledged = acknowledged.last ?? -1
            if cycle % 2 == 0 {
                // The service restarts: the archive catches up from the store's kept WALs.
                let reopened = try Store.open(at: store, options: StoreOptions())
                let catchingUp = try ContinuousArchive.start(store: reopened, directory: archive, options: ArchiveOptions(), startThread: false)
                try catchingUp.archiveNow()
                let latest = catchingUp.state.window!.latest
                try catchingUp.stop()
                try reopened.close()
                _ = try ArchiveRestore.restore(archive: archive, to: .latest, into: "\(root)/restored-\(cycle)")
                let index = try Self.restoredIndex("\(root)/restored-\(cycle)", seed: seed)
                #expect(index >= lastAcknowledged, "cycle \(cycle): acknowledged batch \(lastAcknowledged) missing from the restore (got \(index))")
                #expect(index <= lastAcknowledged + 1)
                #expect {
                    _ = try ArchiveRestore.restore(archive: archive, to: .stamp(latest.advanced(by: 1 << 32)), into: "\(root)/beyond-\(cycle)")
                } throws: { "\($0)".contains("window") }
            } else {
                // The live directory is lost: the archive alone restores a prefix.
                ArchiveRestore.removeTree(store, fileSystem: PosixFileSystem())
                guard PosixFileSystem().exists(archive + "/ARCHIVE") else {
                    // Killed before the archive was created (a slow start on a loaded machine):
                    // nothing was archived, and a restore says so.
                    #expect(throws: TernError.self) { _ = try ArchiveRestore.restore(archive: archive, to: .latest, into: "\(root)/none-\(cycle)") }
                    continue
                }
                _ = try ArchiveRestore.restore(archive: archive, to: .latest, into: "\(root)/restored-\(cycle)")
                let index = try Self.restoredIndex("\(root)/restored-\(cycle)", seed: seed)
                #expect(index <= lastAcknowledged + 1)
            }
        }
    }
}

func temporaryDirectory(_ label: String) throws -> String {
    try TemporaryDirectories.make(label)
}
