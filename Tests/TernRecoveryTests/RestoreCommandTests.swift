import Glibc
import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

/// `tern restore` as an operator runs it: --info, a restore to `latest`, an RFC 3339 time, and
/// the refusals (outside the window, a bad time, a missing archive) with a non-zero exit.
@Suite struct RestoreCommandTests {
    static var tern: String { ChildProcess.siblingExecutable("tern", overriddenBy: "TERN_CLI") }

    @Test func restoreCommand() throws {
        #expect(access(Self.tern, X_OK) == 0, "tern binary missing at \(Self.tern)")
        let root = try temporaryDirectory("restore-cli")
        defer { ArchiveRestore.removeTree(root, fileSystem: PosixFileSystem()) }
        let tables = try TableStore.open(at: root + "/live", storeOptions: StoreOptions(), clock: .system, ttlPurgeInterval: nil)
        let archive = try ContinuousArchive.start(store: tables.store, directory: root + "/archive", options: ArchiveOptions(), startThread: false)
        _ = try tables.createTable(RestoreModelTests.users, durability: .synced)
        for index in 0..<30 {
            _ = try tables.putItem(PutItemRequest(tableName: "Users", item: [
                "email": .string("u\(index)@x.org"), "city": .string("Oslo"), "age": .number(Number(30))]), durability: .synced)
        }
        let middle = tables.store.clock.now().physicalMicroseconds
        for index in 30..<50 {
            _ = try tables.putItem(PutItemRequest(tableName: "Users", item: [
                "email": .string("u\(index)@x.org"), "city": .string("Oslo"), "age": .number(Number(30))]), durability: .synced)
        }
        try archive.stop()
        try tables.close()

        let info = try ChildProcess.run(Self.tern, ["restore", "--info", "--archive", root + "/archive"])
        #expect(info.exitStatus == 0 && info.text.contains("earliest restorable") && info.text.contains("checkpoints: 1"), "\(info.text)")

        let latest = try ChildProcess.run(Self.tern, ["restore", "--archive", root + "/archive", "--to", "latest", "--into", root + "/all"])
        #expect(latest.exitStatus == 0 && latest.text.contains("Users: 50 items"), "\(latest.text)")

        let time = UTCTime.format(microseconds: middle)
        let partial = try ChildProcess.run(Self.tern, ["restore", "--archive", root + "/archive", "--to", time, "--into", root + "/some", "--table", "Users"])
        #expect(partial.exitStatus == 0 && partial.text.contains("Users: 30 items"), "\(partial.text)")

        let outside = try ChildProcess.run(Self.tern, ["restore", "--archive", root + "/archive", "--to", "2001-01-01T00:00:00Z", "--into", root + "/no"])
        #expect(outside.exitStatus == 1)
        let badTime = try ChildProcess.run(Self.tern, ["restore", "--archive", root + "/archive", "--to", "yesterday", "--into", root + "/no"])
        #expect(badTime.exitStatus != 0)
        let occupied = try ChildProcess.run(Self.tern, ["restore", "--archive", root + "/archive", "--to", "latest", "--into", root + "/all"])
        #expect(occupied.exitStatus == 1)
    }
}
