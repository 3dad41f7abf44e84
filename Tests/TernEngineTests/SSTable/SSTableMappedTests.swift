import Glibc
import Testing
import TernTesting
@_spi(Benchmarks) @testable import TernEngine

/// Tables read from a file mapped into memory (`StoreOptions.mapTableFiles`, the default on
/// POSIX): the same entries as through `pread`, the same corruption reports, and stores that
/// answer the same either way.
@Suite struct SSTableMappedTests {
    /// Writes `bytes` to a new file on disk and opens it as a table owned by the table (as the
    /// table cache opens them), mapped or not.
    static func openOnDisk(_ bytes: [UInt8], maps: Bool) throws -> SSTable {
        let directory = try temporaryDirectory("mapped")
        let path = Path.join(directory, "000042.sst")
        let fileSystem = PosixFileSystem()
        let writer = try fileSystem.openWritable(path, truncate: true)
        try writer.append(bytes)
        try writer.sync()
        try writer.close()
        let file = try fileSystem.openReadable(path)
        // The name in errors, as the table cache passes it.
        let table = try SSTable.open(file: file, path: SSTableCorruptionTests.path, cache: nil, ownsFile: true, mapsFile: maps)
        try fileSystem.removeFile(path)  // an open (and mapped) file stays readable
        try fileSystem.removeDirectory(directory)
        return table
    }

    @Test func posixFilesMapTheirBytesAndEmptyFilesDoNot() throws {
        let directory = try temporaryDirectory("map")
        let fileSystem = PosixFileSystem()
        let path = Path.join(directory, "file")
        let writer = try fileSystem.openWritable(path, truncate: true)
        try writer.append(Array("hello mapped world".utf8))
        try writer.close()
        let reader = try fileSystem.openReadable(path)
        let mapped = try #require(reader.mapIntoMemory())
        #expect(Array(mapped) == Array("hello mapped world".utf8))
        // A second call returns the same mapping rather than mapping again.
        #expect(reader.mapIntoMemory()?.baseAddress == mapped.baseAddress)
        reader.close()
        try fileSystem.openWritable(Path.join(directory, "empty"), truncate: true).close()
        let empty = try fileSystem.openReadable(Path.join(directory, "empty"))
        #expect(empty.mapIntoMemory() == nil)
        empty.close()
        // The in-memory file system does not map: tables there read with `read(at:into:)`.
        let memory = MemoryFileSystem()
        try memory.createDirectory("/d")
        try memory.writeFileAtomically("/d/f", Array("x".utf8))
        #expect(try memory.openReadable("/d/f").mapIntoMemory() == nil)
        for name in ["file", "empty"] { try fileSystem.removeFile(Path.join(directory, name)) }
        try fileSystem.removeDirectory(directory)
    }

    @Test(arguments: [SSTableCompression.none, .lz4])
    func mappedTablesServeTheSameEntries(compression: SSTableCompression) throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: compression)
        let mapped = try Self.openOnDisk(fixture.bytes, maps: true)
        let read = try Self.openOnDisk(fixture.bytes, maps: false)
        #expect(mapped.mapped != nil)
        #expect(read.mapped == nil)
        for table in [mapped, read] {
            let forward = scanForward(table)
            #expect(forward.error == nil)
            #expect(forward.entries == fixture.model)
            let backward = scanBackward(table)
            #expect(backward.error == nil)
            #expect(backward.entries == fixture.model.reversed())
            for entry in fixture.model {
                #expect(try table.get(userKey: SSTableCorruptionTests.userKey(entry), snapshot: .max) == .found(entry.value))
            }
            #expect(try table.get(userKey: Array("absent".utf8), snapshot: .max) == .notFound)
        }
        #expect(mapped.statistics.dataBlockReads == read.statistics.dataBlockReads)
    }

    /// A flipped byte in a mapped data block is reported like a read one: corruption naming the
    /// file and the block's offset, and no damaged entry served.
    @Test(arguments: [SSTableCompression.none, .lz4])
    func flippedByteInAMappedDataBlockIsReported(compression: SSTableCompression) throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: compression)
        for blockIndex in [0, fixture.dataHandles.count / 2, fixture.dataHandles.count - 1] {
            let handle = fixture.dataHandles[blockIndex]
            for offset in [0, handle.size / 2, handle.size, handle.size + 2].map({ handle.offset + $0 }) {
                var bytes = fixture.bytes
                bytes[offset] ^= 0x20
                let table = try Self.openOnDisk(bytes, maps: true)
                #expect(table.mapped != nil)
                let scan = scanForward(table)
                let error = try #require(scan.error, "block \(blockIndex) byte \(offset)")
                SSTableCorruptionTests.expectReported(error)
                #expect(error.offset == handle.offset)
                #expect(scan.entries == Array(fixture.model.prefix(scan.entries.count)))
                var reported = 0
                for entry in fixture.model {
                    do {
                        let found = try table.get(userKey: SSTableCorruptionTests.userKey(entry), snapshot: .max)
                        #expect(found == .found(entry.value), "get served wrong data")
                    } catch {
                        SSTableCorruptionTests.expectReported(error)
                        reported += 1
                    }
                }
                #expect(reported > 0, "no get reported the damaged block \(blockIndex)")
            }
        }
    }

    /// The same seeded history of writes, flushes, compactions and reopens on a store that maps
    /// its tables and on one that reads them: every read answers the same, and the mapping store
    /// did map.
    @Test func storesAnswerTheSameMappedOrRead() throws {
        var random = SeededGenerator.fromEnvironment("SSTableMappedTests.storesAnswerTheSameMappedOrRead")
        let directories = [try temporaryDirectory("mapped-store"), try temporaryDirectory("read-store")]
        var options = [StoreOptions(), StoreOptions()]
        for index in options.indices {
            options[index].memtableBudgetBytes = 16 << 10
            options[index].blockSizeBytes = 512
            options[index].level1MaxBytes = 64 << 10
            options[index].targetFileSizeBytes = 16 << 10
            options[index].blockCacheBytes = index == 0 ? 8 << 10 : 0
        }
        options[0].mapTableFiles = true
        options[1].mapTableFiles = false
        var stores = try zip(directories, options).map { try Store.open(at: $0, options: $1) }
        var model: [[UInt8]: [UInt8]] = [:]
        for round in 0..<6 {
            for _ in 0..<400 {
                let key = Array("k\(Int.random(in: 0..<600, using: &random))".utf8)
                var batch = WriteBatch()
                if Int.random(in: 0..<5, using: &random) == 0 {
                    batch.delete(key)
                    model[key] = nil
                } else {
                    let value = (0..<Int.random(in: 0..<200, using: &random)).map { _ in UInt8.random(in: 97...100, using: &random) }
                    batch.put(key, value)
                    model[key] = value
                }
                for store in stores { try store.write(batch, durability: .buffered) }
            }
            for store in stores { try store.flush() }
            if round % 2 == 1 {
                for store in stores { try store.close() }
                stores = try zip(directories, options).map { try Store.open(at: $0, options: $1) }
            }
            let expected = model.sorted { compareBytes($0.key, $1.key) < 0 }.map { ($0.key, $0.value) }
            for store in stores {
                let scanned = try store.scan()
                #expect(scanned.map(\.key) == expected.map(\.0), "round \(round)")
                #expect(scanned.map(\.value) == expected.map(\.1), "round \(round)")
                for probe in 0..<60 {
                    let key = Array("k\(probe * 10)".utf8)
                    #expect(try store.get(key) == model[key], "round \(round) key k\(probe * 10)")
                }
                let backward = try store.scan(reverse: true)
                #expect(backward.map(\.key) == expected.reversed().map(\.0), "round \(round)")
            }
        }
        let view = stores[0].captureView()
        let files = view.version.levels.flatMap { $0 }
        #expect(!files.isEmpty)
        for file in files { #expect(try stores[0].tableCache.table(file).mapped != nil) }
        for file in stores[1].captureView().version.levels.flatMap({ $0 }) {
            #expect(try stores[1].tableCache.table(file).mapped == nil)
        }
        for store in stores { try store.close() }
    }
}
