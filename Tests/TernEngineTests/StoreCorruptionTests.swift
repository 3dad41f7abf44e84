import Testing
import TernTesting
@testable import TernEngine

/// A flipped byte in any kind of file is reported with the file's name, never served as data.
@Suite struct StoreCorruptionTests {
    static let keyCount = 2000

    static func value(_ index: Int) -> [UInt8] { bytes("value-\(index)-" + String(repeating: "x", count: index % 40)) }
    static func key(_ index: Int) -> [UInt8] { bytes("key\(1_000_000 + index)") }

    /// A store with one SSTable (all keys) and a WAL holding three more synced batches.
    static func makeStore() throws -> MemoryFileSystem {
        let fileSystem = MemoryFileSystem()
        var options = testOptions(fileSystem, memtableBudgetBytes: 1 << 20)
        options.compression = .none
        let store = try Store.open(at: "/db", options: options)
        var batch = WriteBatch()
        for index in 0..<keyCount { batch.put(key(index), value(index)) }
        try store.write(batch, durability: .synced)
        try store.flush()
        for round in 0..<3 { try store.put(bytes("wal\(round)"), [UInt8](repeating: 7, count: 300), durability: .synced) }
        try store.close()
        return fileSystem
    }

    static func file(_ fileSystem: MemoryFileSystem, _ suffix: String) throws -> String {
        let names = try fileSystem.listDirectory("/db").filter { $0.hasSuffix(suffix) || $0.hasPrefix(suffix) }
        guard let name = names.first else { throw TernError(.notFound, "no \(suffix) file") }
        return name
    }

    static func flip(_ fileSystem: MemoryFileSystem, _ name: String, at offset: (Int) -> Int) throws {
        var contents = try fileSystem.contents(of: "/db/" + name)
        contents[offset(contents.count)] ^= 0x5A
        try fileSystem.overwrite("/db/" + name, with: contents)
    }

    static func footer(_ fileSystem: MemoryFileSystem, _ name: String) throws -> Footer {
        let contents = try fileSystem.contents(of: "/db/" + name)
        return try Footer.decode(Array(contents.suffix(Footer.size)), path: name, fileOffset: contents.count - Footer.size)
    }

    /// Every read either throws a corruption error naming `name`, or returns the right value.
    static func expectNeverServed(_ fileSystem: MemoryFileSystem, naming name: String) throws {
        let store: Store
        do {
            store = try Store.open(at: "/db", options: testOptions(fileSystem))
        } catch let error as TernError {
            #expect(error.code == .corruption || error.code == .unsupportedFormat, "\(error)")
            #expect(error.file == name, "error names \(error.file ?? "nothing"), expected \(name)")
            return
        }
        defer { try? store.close() }
        var reported = false
        for index in stride(from: 0, to: keyCount, by: 7) {
            do {
                let got = try store.get(key(index))
                #expect(got == value(index), "wrong value served for key \(index)")
            } catch let error as TernError {
                #expect(error.code == .corruption || error.code == .unsupportedFormat, "\(error)")
                #expect(error.file == name, "error names \(error.file ?? "nothing"), expected \(name)")
                reported = true
            }
        }
        do {
            let entries = try store.scan()
            #expect(entries.count == keyCount + 3, "a scan over a corrupt file returned a partial result")
        } catch let error as TernError {
            #expect(error.file == name)
            reported = true
        }
        #expect(reported, "the corruption in \(name) went unnoticed")
    }

    @Test func walRecordInTheMiddle() throws {
        let fileSystem = try Self.makeStore()
        let wal = try Self.file(fileSystem, ".wal")
        try Self.flip(fileSystem, wal) { _ in 20 }  // inside the first of three records
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            guard let error = error as? TernError else { return false }
            return error.code == .corruption && error.file == wal && error.offset == 0
        }
    }

    @Test func dataBlock() throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        try Self.flip(fileSystem, table) { _ in 100 }
        try Self.expectNeverServed(fileSystem, naming: table)
    }

    @Test func indexBlock() throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        let index = try Self.footer(fileSystem, table).indexHandle
        try Self.flip(fileSystem, table) { _ in index.offset + index.size / 2 }
        try Self.expectNeverServed(fileSystem, naming: table)
    }

    @Test func filterBlock() throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        let filter = try Self.footer(fileSystem, table).filterHandle
        #expect(filter.size > 0)
        try Self.flip(fileSystem, table) { _ in filter.offset + filter.size / 2 }
        try Self.expectNeverServed(fileSystem, naming: table)
    }

    @Test(arguments: [1, 20, 45, 52])
    func footerByte(fromEnd: Int) throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        try Self.flip(fileSystem, table) { $0 - fromEnd }
        try Self.expectNeverServed(fileSystem, naming: table)
    }

    @Test func manifest() throws {
        let fileSystem = try Self.makeStore()
        let manifest = try Self.file(fileSystem, "MANIFEST-")
        // The live one (the store removes the others at open).
        #expect(try fileSystem.listDirectory("/db").filter { $0.hasPrefix("MANIFEST-") } == [manifest])
        #expect(try fileSystem.contents(of: "/db/CURRENT") == bytes(manifest + "\n"))
        try Self.flip(fileSystem, manifest) { _ in 12 }
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            guard let error = error as? TernError else { return false }
            return error.code == .corruption && error.file == manifest
        }
    }

    @Test func currentFile() throws {
        let fileSystem = try Self.makeStore()
        try fileSystem.overwrite("/db/CURRENT", with: bytes("MANIFEST-99x\n"))
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            (error as? TernError)?.code == .corruption && (error as? TernError)?.file == "CURRENT"
        }
    }

    /// A table the manifest names is missing: the open fails naming it (it used to open and
    /// fail later, on the first read that reached the table).
    @Test func missingTableFailsTheOpen() throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        try fileSystem.removeFile("/db/" + table)
        let manifest = try Self.file(fileSystem, "MANIFEST-")
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            guard let error = error as? TernError else { return false }
            return error.code == .corruption && error.file == manifest && error.message.contains(table)
        }
    }

    /// A truncated table is caught at open by its size, naming it.
    @Test func truncatedTableFailsTheOpen() throws {
        let fileSystem = try Self.makeStore()
        let table = try Self.file(fileSystem, ".sst")
        let content = try fileSystem.contents(of: "/db/" + table)
        try fileSystem.overwrite("/db/" + table, with: Array(content.dropLast(100)))
        #expect { _ = try Store.open(at: "/db", options: testOptions(fileSystem)) } throws: { error in
            (error as? TernError)?.code == .corruption && (error as? TernError)?.file == table
        }
    }
}
