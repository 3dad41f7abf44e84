import Testing
@_spi(Benchmarks) @testable import TernEngine

/// Damaged SSTables: every error is `.corruption` (or `.unsupportedFormat` for a newer version)
/// naming the file, and no damaged byte is ever served as data.
@Suite struct SSTableCorruptionTests {
    static let path = "/store/000042.sst"

    /// A table of several blocks and its model.
    struct Fixture {
        var model: [TestEntry]
        var bytes: [UInt8]
        var footer: Footer
        var dataHandles: [BlockHandle]
    }

    static func fixture(compression: SSTableCompression, entryCount: Int = 300, blockSizeBytes: Int = 1024) throws -> Fixture {
        var random = SSTableTestRandom(seed: 2024)
        let model = (0..<entryCount).map { index in
            let value = index % 3 == 0 ? random.bytes(Int.random(in: 0...60, using: &random))
                : Array(String(repeating: "v\(index % 10)", count: Int.random(in: 1...20, using: &random)).utf8)
            return TestEntry(key: internalKey(Array("key-\(10_000 + index)".utf8), UInt64(index + 1)), value: value)
        }
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/store")
        try buildTable(
            model, options: SSTableOptions(blockSizeBytes: blockSizeBytes, compression: compression),
            fileSystem: fileSystem, path: path)
        let bytes = try fileSystem.contents(of: path)
        let footer = try Footer.decode(Array(bytes.suffix(Footer.size)), path: path, fileOffset: bytes.count - Footer.size)
        let table = try openTable(fileSystem, path: path)
        return Fixture(model: model, bytes: bytes, footer: footer, dataHandles: dataBlockHandles(table))
    }

    /// Installs `bytes` as the table file.
    static func fileSystem(with bytes: [UInt8]) throws -> MemoryFileSystem {
        let fileSystem = MemoryFileSystem()
        try fileSystem.createDirectory("/store")
        try fileSystem.openWritable(path, truncate: true).append([])
        try fileSystem.overwrite(path, with: bytes)
        return fileSystem
    }

    static func userKey(_ entry: TestEntry) -> [UInt8] {
        entry.key.withUnsafeBytes { Array(InternalKey.userKey($0)) }
    }

    /// Checks an error: a `TernError` with an allowed code, naming the table file.
    static func expectReported(
        _ error: any Error, codes: Set<TernError.Code> = [.corruption], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = error as? TernError else {
            Issue.record("not a TernError: \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(codes.contains(error.code), "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == path, "\(error)", sourceLocation: sourceLocation)
        #expect(error.offset != nil, "\(error)", sourceLocation: sourceLocation)
    }

    /// Opens the damaged file and reads everything every way; whatever is returned must be true
    /// to the model, and every failure must be reported properly. Returns whether anything
    /// failed (open, a scan or a get).
    @discardableResult
    static func readEverything(
        _ bytes: [UInt8], model: [TestEntry], codes: Set<TernError.Code> = [.corruption],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Bool {
        let fileSystem = try fileSystem(with: bytes)
        let table: SSTable
        do {
            table = try openTable(fileSystem, path: path)
        } catch {
            expectReported(error, codes: codes, sourceLocation: sourceLocation)
            return true
        }
        var failed = false
        let forward = scanForward(table)
        #expect(forward.entries == Array(model.prefix(forward.entries.count)), "forward scan served wrong data", sourceLocation: sourceLocation)
        if let error = forward.error {
            failed = true
            expectReported(error, sourceLocation: sourceLocation)
        } else {
            #expect(forward.entries.count == model.count, sourceLocation: sourceLocation)
        }
        let backward = scanBackward(table)
        #expect(backward.entries == Array(model.reversed().prefix(backward.entries.count)), "backward scan served wrong data", sourceLocation: sourceLocation)
        if let error = backward.error {
            failed = true
            expectReported(error, sourceLocation: sourceLocation)
        }
        for entry in model {
            do {
                let result = try table.get(userKey: userKey(entry), snapshot: .max)
                #expect(result == .found(entry.value), "get served wrong data", sourceLocation: sourceLocation)
            } catch {
                failed = true
                expectReported(error, sourceLocation: sourceLocation)
            }
        }
        return failed
    }

    // MARK: One region at a time

    @Test(arguments: [SSTableCompression.none, .lz4])
    func flippedByteInADataBlock(compression: SSTableCompression) throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: compression)
        #expect(fixture.dataHandles.count >= 5)
        for blockIndex in [0, fixture.dataHandles.count / 2, fixture.dataHandles.count - 1] {
            let handle = fixture.dataHandles[blockIndex]
            // Payload start, middle and end; the type byte; a checksum byte.
            for offset in [0, handle.size / 2, handle.size - 1, handle.size, handle.size + 2].map({ handle.offset + $0 }) {
                var bytes = fixture.bytes
                bytes[offset] ^= 0x20
                let fileSystem = try SSTableCorruptionTests.fileSystem(with: bytes)
                // The footer, index and filter are intact: open succeeds, the block is refused.
                let table = try openTable(fileSystem, path: SSTableCorruptionTests.path)
                let scan = scanForward(table)
                let scanError = scan.error
                let error = try #require(scanError, "block \(blockIndex) byte \(offset)")
                SSTableCorruptionTests.expectReported(error)
                #expect(error.offset == handle.offset)
                #expect(scan.entries == Array(fixture.model.prefix(scan.entries.count)))
                try SSTableCorruptionTests.readEverything(bytes, model: fixture.model)
            }
        }
    }

    @Test(arguments: [SSTableCompression.none, .lz4])
    func flippedByteInTheIndexBlock(compression: SSTableCompression) throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: compression)
        let handle = fixture.footer.indexHandle
        for offset in [0, 1, handle.size / 2, handle.size - 1, handle.size, handle.size + 4].map({ handle.offset + $0 }) {
            var bytes = fixture.bytes
            bytes[offset] ^= 0x01
            let fileSystem = try SSTableCorruptionTests.fileSystem(with: bytes)
            #expect(throws: TernError.self) { try openTable(fileSystem, path: SSTableCorruptionTests.path) }
            do {
                _ = try openTable(fileSystem, path: SSTableCorruptionTests.path)
            } catch {
                SSTableCorruptionTests.expectReported(error)
                #expect((error as? TernError)?.offset == handle.offset)
            }
        }
    }

    @Test func flippedByteInTheFilterBlock() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .lz4)
        let handle = fixture.footer.filterHandle
        #expect(handle.size > 0)
        for offset in [0, handle.size / 2, handle.size - 1, handle.size, handle.size + 1].map({ handle.offset + $0 }) {
            var bytes = fixture.bytes
            bytes[offset] ^= 0x80
            let fileSystem = try SSTableCorruptionTests.fileSystem(with: bytes)
            do {
                _ = try openTable(fileSystem, path: SSTableCorruptionTests.path)
                Issue.record("opened a table with a damaged filter (byte \(offset))")
            } catch {
                SSTableCorruptionTests.expectReported(error)
                #expect((error as? TernError)?.offset == handle.offset)
            }
        }
    }

    /// Every footer byte: corruption, except a version that became larger (a "newer" file).
    @Test func flippedByteInTheFooter() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .lz4)
        let footerStart = fixture.bytes.count - Footer.size
        for index in 0..<Footer.size {
            for mask: UInt8 in [0x01, 0xFE] {
                var bytes = fixture.bytes
                bytes[footerStart + index] ^= mask
                let fileSystem = try SSTableCorruptionTests.fileSystem(with: bytes)
                do {
                    _ = try openTable(fileSystem, path: SSTableCorruptionTests.path)
                    Issue.record("opened a table with footer byte \(index) damaged")
                } catch let error as TernError {
                    let version = bytes.withUnsafeBytes { $0.fixed32(at: footerStart + Footer.versionOffset) }
                    let expected: TernError.Code = (Footer.versionOffset..<Footer.magicOffset).contains(index) && version > 1
                        ? .unsupportedFormat : .corruption
                    #expect(error.code == expected, "footer byte \(index) ^ \(mask): \(error)")
                    #expect(error.file == SSTableCorruptionTests.path)
                }
            }
        }
    }

    /// A well-formed file from a future format version (checksum and all) is refused, not parsed.
    @Test func newerFormatVersionIsRefusedWithTheFileName() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .none)
        var footer = Array(fixture.bytes.suffix(Footer.size))
        footer.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(2).littleEndian, toByteOffset: Footer.versionOffset, as: UInt32.self) }
        let checksum = CRC32C.mask(Footer.checksum(of: footer))
        footer.withUnsafeMutableBytes { $0.storeBytes(of: checksum.littleEndian, toByteOffset: Footer.checksumOffset, as: UInt32.self) }
        let bytes = Array(fixture.bytes.dropLast(Footer.size)) + footer
        let fileSystem = try SSTableCorruptionTests.fileSystem(with: bytes)
        do {
            _ = try openTable(fileSystem, path: SSTableCorruptionTests.path)
            Issue.record("opened a version 2 table")
        } catch let error as TernError {
            #expect(error.code == .unsupportedFormat)
            #expect(error.file == SSTableCorruptionTests.path)
            #expect(error.description.contains("version 2"))
        }
    }

    /// Well-checksummed metadata that lies (a handle past the end, an absurd LZ4 length) is
    /// caught by bounds checks before any allocation or read.
    @Test func lyingHandlesAndLengthsAreCorruption() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .lz4)
        let body = Array(fixture.bytes.dropLast(Footer.size))
        for lie in [
            Footer(filterHandle: fixture.footer.filterHandle, indexHandle: BlockHandle(offset: 0, size: 1 << 40)),
            Footer(filterHandle: fixture.footer.filterHandle, indexHandle: BlockHandle(offset: Int(Int64.max) - 10, size: 5)),
            Footer(filterHandle: BlockHandle(offset: body.count - 3, size: 1), indexHandle: fixture.footer.indexHandle),
            Footer(filterHandle: fixture.footer.filterHandle, indexHandle: fixture.footer.filterHandle),
        ] {
            try SSTableCorruptionTests.readEverything(body + lie.encode(), model: fixture.model)
        }

        // An LZ4 block claiming a 1 GiB uncompressed length, with a valid checksum.
        let handle = fixture.dataHandles[1]
        var bytes = fixture.bytes
        #expect(bytes[handle.offset + handle.size] == BlockType.lz4.rawValue)
        var payload = [UInt8]()
        payload.appendVarint(UInt64(1 << 30))
        payload += bytes[handle.offset..<(handle.offset + handle.size)].drop { $0 >= 0x80 }.dropFirst()
        // Same stored size, so nothing else moves: trim or pad the LZ4 stream to fit.
        payload = Array(payload.prefix(handle.size)) + [UInt8](repeating: 0, count: max(0, handle.size - payload.count))
        bytes.replaceSubrange(handle.offset..<(handle.offset + handle.size), with: payload)
        let checksum = CRC32C.mask(CRC32C.checksum(Array(bytes[handle.offset...(handle.offset + handle.size)])))
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: checksum.littleEndian, toByteOffset: handle.offset + handle.size + 1, as: UInt32.self) }
        let failed = try SSTableCorruptionTests.readEverything(bytes, model: fixture.model)
        #expect(failed)
        // Rejected by the length bound, before allocating 1 GiB, not by LZ4 afterwards.
        let original = try openTable(try SSTableCorruptionTests.fileSystem(with: fixture.bytes), path: SSTableCorruptionTests.path)
        let keyInBlock = try #require(blockEntries(try original.readBlock(handle)).first)
        let table = try openTable(try SSTableCorruptionTests.fileSystem(with: bytes), path: SSTableCorruptionTests.path)
        do {
            _ = try table.get(userKey: SSTableCorruptionTests.userKey(keyInBlock), snapshot: .max)
            Issue.record("served a block with a lying LZ4 length")
        } catch let error as TernError {
            #expect(error.code == .corruption && error.message.contains("uncompressed length"), "\(error)")
            #expect(error.offset == handle.offset)
        }
    }

    // MARK: Sweeps

    /// Every byte of a small table, flipped two ways: always detected, never served.
    @Test(arguments: [SSTableCompression.none, .lz4])
    func everySingleByteFlipIsDetected(compression: SSTableCompression) throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: compression, entryCount: 40, blockSizeBytes: 256)
        #expect(fixture.dataHandles.count >= 3)
        print("SSTableCorruptionTests.everySingleByteFlip: \(fixture.bytes.count) bytes, \(compression)")
        for offset in 0..<fixture.bytes.count {
            for mask: UInt8 in [0x04, 0xFF] {
                var bytes = fixture.bytes
                bytes[offset] ^= mask
                let failed = try SSTableCorruptionTests.readEverything(
                    bytes, model: fixture.model, codes: [.corruption, .unsupportedFormat])
                #expect(failed, "byte \(offset) ^ \(mask) went unnoticed")
            }
        }
    }

    /// Every truncation of a table is an error, never a trap.
    @Test func everyTruncationIsAnError() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .lz4, entryCount: 40, blockSizeBytes: 256)
        for length in 0..<fixture.bytes.count {
            let fileSystem = try SSTableCorruptionTests.fileSystem(with: Array(fixture.bytes.prefix(length)))
            do {
                _ = try openTable(fileSystem, path: SSTableCorruptionTests.path)
                Issue.record("opened a table truncated to \(length) bytes")
            } catch {
                SSTableCorruptionTests.expectReported(error)
            }
        }
    }

    /// The file shrinks after open (another process truncates it): reads fail cleanly.
    @Test func fileTruncatedAfterOpen() throws {
        let fixture = try SSTableCorruptionTests.fixture(compression: .none)
        let fileSystem = try SSTableCorruptionTests.fileSystem(with: fixture.bytes)
        let table = try openTable(fileSystem, path: SSTableCorruptionTests.path)
        try fileSystem.overwrite(SSTableCorruptionTests.path, with: Array(fixture.bytes.prefix(fixture.dataHandles[2].offset + 10)))
        let scan = scanForward(table)
        #expect(scan.entries == Array(fixture.model.prefix(scan.entries.count)))
        let error = try #require(scan.error)
        SSTableCorruptionTests.expectReported(error)
    }
}
