import Glibc
import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// The `tern` executable (built next to the test binary by `swift build --build-tests`).
@Suite struct CommandLineTests {
    static var tern: String { ChildProcess.siblingExecutable("tern", overriddenBy: "TERN_CLI") }

    @Test func versionPrintsTheLibraryVersion() throws {
        let outcome = try ChildProcess.run(Self.tern, ["--version"])
        #expect(outcome.exitStatus == 0)
        #expect(outcome.text == TernVersion.current + "\n")
    }

    /// Every file of `directory` with its bytes.
    static func contents(of directory: String) throws -> [String: [UInt8]] {
        let fileSystem = PosixFileSystem()
        var files: [String: [UInt8]] = [:]
        for name in try fileSystem.listDirectory(directory) { files[name] = try fileSystem.readFile(directory + "/" + name) }
        return files
    }

    /// `tern inspect` on the directory of a store another process (here: this one) has open and
    /// locked: it reports tables, items and index entries, and changes no byte of any file.
    @Test func inspectReadsARunningStoreWithoutChangingIt() throws {
        let directory = try temporaryDirectory("inspect") + "/tables"
        var options = StoreOptions()
        options.memtableBudgetBytes = 64 << 10
        let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try tables.createTable(
            keyedTable("Pets", globalIndexes: [gsi("by-kind", "kind", projection: .keysOnly)],
                       extraDefinitions: [AttributeDefinition(attributeName: "kind", attributeType: .string)], ttl: "expires"),
            durability: .synced)
        try tables.createTable(keyedTable("Empty"), durability: .synced)
        for index in 0..<1500 {
            var item: Item = ["pk": "pet\(index)", "notes": .string(String(repeating: "x", count: 40))]
            if index % 3 == 0 { item["kind"] = "cat" }
            if index % 5 == 0 { item["expires"] = 4_000_000_000 }
            try tables.putItem(PutItemRequest(tableName: "Pets", item: item), durability: .buffered)
        }
        try tables.store.sync()
        tables.store.waitForCompactions()  // the running store's own threads are idle from here
        #expect(tables.store.statistics.flushes > 0)  // some items in tables, the rest in the WAL
        let before = try Self.contents(of: directory)

        let outcome = try ChildProcess.run(Self.tern, ["inspect", directory])
        #expect(outcome.exitStatus == 0, "\(outcome.text)")
        let lines = outcome.text.split(separator: "\n").map { $0.trimmingPrefix(while: { $0 == " " }) }
        #expect(lines.contains { $0.hasPrefix("Pets (id 1): 1500 items") })
        #expect(lines.contains { $0.hasPrefix("GSI by-kind: 500 entries") })
        #expect(lines.contains { $0.hasPrefix("TTL (expiry): 300 entries") })
        #expect(lines.contains { $0.hasPrefix("Empty (id 2): 0 items") })
        #expect(lines.contains { $0 == "tables: 2" })
        #expect(try Self.contents(of: directory) == before)

        // The running store carries on.
        try tables.putItem(PutItemRequest(tableName: "Pets", item: ["pk": "after"]), durability: .synced)
        try tables.close()
    }

    @Test func inspectOfAMissingStoreFailsAndCreatesNothing() throws {
        let directory = try temporaryDirectory("inspect-missing") + "/nothing"
        let outcome = try ChildProcess.run(Self.tern, ["inspect", directory])
        #expect(outcome.exitStatus != 0)
        #expect(access(directory, F_OK) != 0)
    }
}

/// A fresh directory under the test process's temporary parent (removed when the process exits).
func temporaryDirectory(_ label: String) throws -> String {
    try TemporaryDirectories.make(label)
}
