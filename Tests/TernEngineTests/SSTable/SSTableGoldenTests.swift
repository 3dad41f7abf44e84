import Testing
@_spi(Benchmarks) @testable import TernEngine

/// The test vectors of `docs/formats/sstable.md`. If one of these fails, the format changed:
/// bump `SSTableFormat.version` and update the spec, not just the expected bytes.
@Suite struct SSTableGoldenTests {
    /// The tiny table of the spec, byte for byte (same hex as the spec's golden block).
    static let goldenTableHex = """
        00 0d 03 61 70 70 6c 65 01 03 00 00 00 00 00 00
        72 65 64 02 0d 00 72 69 63 6f 74 00 02 00 00 00
        00 00 00 00 0e 06 62 61 6e 61 6e 61 01 01 00 00
        00 00 00 00 79 65 6c 6c 6f 77 00 00 00 00 01 00
        00 00 00 41 93 3a 18 11 80 88 2e 4d 12 22 15 07
        00 2a b7 b4 1b 00 09 02 63 01 ff ff ff ff ff ff
        ff 00 42 00 00 00 00 01 00 00 00 00 7f 07 bf be
        47 09 55 16 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 54 52 77 eb 01 00 00 00
        54 45 52 4e 53 53 54 31
        """

    static let goldenEntries = [
        TestEntry(key: internalKey("apple", 3), value: Array("red".utf8)),
        TestEntry(key: internalKey("apricot", 2, .deletion), value: []),
        TestEntry(key: internalKey("banana", 1), value: Array("yellow".utf8)),
    ]

    @Test func tinyTableBytesMatchTheSpec() throws {
        let fileSystem = MemoryFileSystem()
        let properties = try buildTable(
            SSTableGoldenTests.goldenEntries, options: SSTableOptions(compression: .none), fileSystem: fileSystem)
        let written = try fileSystem.contents(of: "/t.sst")
        let expected = bytes(fromHex: SSTableGoldenTests.goldenTableHex)
        #expect(hex(written) == hex(expected))
        #expect(properties.fileSizeBytes == 168)
        #expect(properties.entryCount == 3)
        #expect(properties.dataBlockCount == 1)
        #expect(properties.smallestKey == internalKey("apple", 3))
        #expect(properties.largestKey == internalKey("banana", 1))
        #expect(properties.filterBlockSizeBytes == 9)
        #expect(properties.indexBlockSizeBytes == 22)
    }

    @Test func goldenTableReadsBack() throws {
        let fileSystem = MemoryFileSystem()
        try fileSystem.openWritable("/golden.sst", truncate: true).append(bytes(fromHex: SSTableGoldenTests.goldenTableHex))
        let table = try openTable(fileSystem, path: "/golden.sst")
        #expect(scanForward(table).entries == SSTableGoldenTests.goldenEntries)
        #expect(try table.get(userKey: Array("apple".utf8), snapshot: .max) == .found(Array("red".utf8)))
        #expect(try table.get(userKey: Array("apricot".utf8), snapshot: .max) == .deleted)
        #expect(try table.get(userKey: Array("apricot".utf8), snapshot: SequenceNumber(1)) == .notFound)
        #expect(try table.get(userKey: Array("banana".utf8), snapshot: .max) == .found(Array("yellow".utf8)))
    }

    /// The spec page carries the same hex as this test: neither can drift alone.
    @Test func specPageCarriesTheSameHex() throws {
        let testFile = #filePath
        var root = testFile
        for _ in 0..<4 { root = Path.directory(of: root) }  // .../Tests/TernEngineTests/SSTable/x.swift
        let spec = String(decoding: try PosixFileSystem().readFile(Path.join(root, "docs/formats/sstable.md")), as: UTF8.self)
        let lines = spec.split(separator: "\n", omittingEmptySubsequences: false)
        guard let begin = lines.firstIndex(where: { $0.contains("golden-table-hex:begin") }),
              let end = lines.firstIndex(where: { $0.contains("golden-table-hex:end") }), begin < end
        else {
            Issue.record("docs/formats/sstable.md has no golden-table-hex block")
            return
        }
        let hexLines = lines[(begin + 1)..<end].filter { !$0.hasPrefix("```") }.joined(separator: "\n")
        #expect(hex(bytes(fromHex: hexLines)) == hex(bytes(fromHex: SSTableGoldenTests.goldenTableHex)))
        #expect(spec.contains("version \(SSTableFormat.version)"))
    }

    /// MurmurHash3 x86_32 against the published vectors (any seed), then the filter hash
    /// (Tern's seed) against the spec's table.
    @Test func hashVectors() {
        func murmur(_ text: String, _ seed: UInt32) -> UInt32 {
            Array(text.utf8).withUnsafeBytes { BloomHash.murmur3($0, seed: seed) }
        }
        #expect(murmur("", 0) == 0)
        #expect(murmur("", 1) == 0x514E_28B7)
        #expect(murmur("", 0xFFFF_FFFF) == 0x81F1_6F39)
        #expect(murmur("abc", 0) == 0xB3DD_93FA)
        #expect(murmur("\0\0\0\0", 0) == 0x2362_F9DE)
        #expect(murmur("aaaa", 0x9747_B28C) == 0x5A97_808A)
        #expect(murmur("Hello, world!", 0x9747_B28C) == 0x2488_4CBA)
        #expect(murmur("The quick brown fox jumps over the lazy dog", 0x9747_B28C) == 0x2FA8_26CD)

        let tern: [(String, UInt32)] = [
            ("", 0x9455_8FF5), ("a", 0xB313_1593), ("ab", 0x1FD6_B41E), ("abc", 0xD440_5A26),
            ("abcd", 0xC4E6_A017), ("apple", 0xB0C0_2A97), ("apricot", 0x469E_D7B5),
            ("banana", 0x9585_62DA), ("hello, world", 0xFF37_36E1),
        ]
        for (key, expected) in tern {
            #expect(BloomHash.hash(Array(key.utf8)) == expected, "hash of \"\(key)\"")
        }
    }

    @Test func footerLayout() {
        let footer = Footer(
            filterHandle: BlockHandle(offset: 71, size: 9), indexHandle: BlockHandle(offset: 85, size: 22)).encode()
        #expect(footer.count == Footer.size)
        #expect(Array(footer.suffix(8)) == Array("TERNSST1".utf8))
        #expect(Array(footer[44..<48]) == [1, 0, 0, 0])
    }
}
