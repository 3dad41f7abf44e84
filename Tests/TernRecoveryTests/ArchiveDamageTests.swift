import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

/// A flipped byte or a truncated file anywhere in the archive: the restore fails with an error
/// naming the file, or — when the damage hit nothing the restore reads — is exact. Never a
/// wrong restore.
@Suite struct ArchiveDamageTests {
    static func archiveWithHistory(_ generator: inout SeededGenerator) throws -> ArchivedStoreFixture {
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        for step in 0..<150 {
            try RestoreModelTests.operate(fixture.tables, &generator)
            fixture.wall.advance(microseconds: Int64.random(in: 0...500, using: &generator))
            if step % 20 == 0 { try fixture.archive.archiveNow() }
            if step == 60 { try fixture.archive.checkpointNow() }
        }
        try fixture.archive.archiveNow()
        try fixture.collectHistory()
        try fixture.close()
        return fixture
    }

    /// Every file of the archive, relative to it.
    static func archiveFiles(_ fileSystem: any FileSystem, _ directory: String, prefix: String = "") throws -> [String] {
        var files: [String] = []
        for name in try fileSystem.listDirectory(directory).sorted() {
            let path = Path.join(directory, name)
            if (try? fileSystem.listDirectory(path)) != nil {
                files += try archiveFiles(fileSystem, path, prefix: prefix + name + "/")
            } else {
                files.append(prefix + name)
            }
        }
        return files
    }

    @Test func damagedArchiveFilesAreNamedNeverRestoredWrong() throws {
        var generator = SeededGenerator.fromEnvironment("archive-damage")
        let fixture = try Self.archiveWithHistory(&generator)
        let memory = fixture.memory
        let root = ArchivedStoreFixture.archivePath
        let files = try Self.archiveFiles(memory, root)
        #expect(files.contains("ARCHIVE") && files.contains { $0.hasSuffix(".seg") } && files.contains { $0.hasSuffix(".sst") })
        let window = try #require(fixture.archive.state.window)
        var outcomes: [String: Int] = [:]
        for trial in 0..<60 {
            let name = files.randomElement(using: &generator)!
            let path = Path.join(root, name)
            let original = try memory.contents(of: path)
            guard !original.isEmpty else { continue }
            var damaged = original
            let truncate = Bool.random(using: &generator)
            let offset = Int.random(in: 0..<original.count, using: &generator)
            if truncate { damaged.removeLast(original.count - offset) } else { damaged[offset] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator) }
            try memory.overwrite(path, with: damaged)
            let instant = Bool.random(using: &generator) ? window.latest : fixture.history.randomElement(using: &generator)!.stamp
            let target = "/restored-\(trial)"
            do {
                _ = try ArchiveRestore.restore(archive: root, to: .stamp(instant), into: target, fileSystem: fixture.fileSystem)
                let digest = try fixture.digest(ofStoreAt: target)
                #expect(digest == fixture.expectedDigest(at: instant),
                        "trial \(trial): \(truncate ? "truncated" : "flipped") \(name) at \(offset) and the restore was wrong")
                outcomes["exact", default: 0] += 1
            } catch let error as TernError {
                let named = error.file.map { name.hasSuffix($0) || $0.hasSuffix(name) } ?? false
                // A cut ARCHIVE loses its last records like a torn write: the window shrinks and
                // an instant past it is refused (never restored wrong).
                let refusedOutsideShrunkWindow = name == "ARCHIVE" && truncate && error.code == .invalidArgument
                #expect(named && (error.code == .corruption || error.code == .unsupportedFormat) || refusedOutsideShrunkWindow,
                        "trial \(trial): \(name) damaged, but the error is \(error)")
                outcomes["error naming the file", default: 0] += 1
            }
            ArchiveRestore.removeTree(target, fileSystem: fixture.fileSystem)
            try memory.overwrite(path, with: original)
        }
        print("[archive-damage] \(outcomes)")
        #expect(outcomes["error naming the file", default: 0] > 20)
    }
}
