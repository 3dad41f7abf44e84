import Testing
import TernTesting
@_spi(Benchmarks) @testable import TernEngine

/// The suite's seeded generator (TernTesting's), so every random test can be replayed from its seed.
typealias SSTableTestRandom = SeededGenerator

/// One entry of a test table.
struct TestEntry: Equatable, CustomStringConvertible {
    var key: [UInt8]
    var value: [UInt8]

    var description: String { "\(hex(key)) => \(value.count) bytes" }
}

func internalKey(_ userKey: [UInt8], _ sequence: UInt64, _ kind: ValueKind = .value) -> [UInt8] {
    InternalKey.encode(userKey, SequenceNumber(sequence), kind)
}

func internalKey(_ userKey: String, _ sequence: UInt64, _ kind: ValueKind = .value) -> [UInt8] {
    internalKey(Array(userKey.utf8), sequence, kind)
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
    return text
}

/// Parses hex digits, ignoring whitespace.
func bytes(fromHex text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }.map { UInt8($0.hexDigitValue!) }
    precondition(digits.count % 2 == 0)
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// Sorts entries into internal-key order.
func sortedByInternalKey(_ entries: [TestEntry]) -> [TestEntry] {
    entries.sorted { compareInternal($0.key, $1.key) < 0 }
}

func compareInternal(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in InternalKey.compare(a, b) } }
}

/// Builds a table at `path` in `fileSystem` from entries already in internal-key order.
@discardableResult
func buildTable(
    _ entries: [TestEntry], options: SSTableOptions, fileSystem: MemoryFileSystem, path: String = "/t.sst"
) throws -> SSTableProperties {
    let file = try fileSystem.openWritable(path, truncate: true)
    var builder = SSTableBuilder(file: file, path: path, options: options)
    for entry in entries { try builder.add(entry.key, entry.value) }
    let properties = try builder.finish()
    try file.sync()
    try file.close()
    return properties
}

func openTable(_ fileSystem: MemoryFileSystem, path: String = "/t.sst") throws -> SSTable {
    try SSTable.open(file: fileSystem.openReadable(path), path: path)
}

/// Every entry, first to last. Records an error instead of throwing.
func scanForward(_ table: SSTable) -> (entries: [TestEntry], error: TernError?) {
    var iterator = table.makeIterator()
    var entries: [TestEntry] = []
    iterator.seekToFirst()
    while iterator.isValid {
        entries.append(TestEntry(key: Array(iterator.key), value: Array(iterator.value)))
        iterator.next()
    }
    return (entries, iterator.error)
}

/// Every entry, last to first.
func scanBackward(_ table: SSTable) -> (entries: [TestEntry], error: TernError?) {
    var iterator = table.makeIterator()
    var entries: [TestEntry] = []
    iterator.seekToLast()
    while iterator.isValid {
        entries.append(TestEntry(key: Array(iterator.key), value: Array(iterator.value)))
        iterator.prev()
    }
    return (entries, iterator.error)
}

/// What `SSTable.get` must answer, from a sorted model.
func modelLookup(_ model: [TestEntry], userKey: [UInt8], snapshot: UInt64) -> LookupResult {
    for entry in model {
        let (user, trailer) = entry.key.withUnsafeBytes { raw in
            (Array(InternalKey.userKey(raw)), InternalKey.decodeTrailer(raw)!)
        }
        guard user == userKey, trailer.0.rawValue <= snapshot else { continue }
        return trailer.1 == .value ? .found(entry.value) : .deleted
    }
    return .notFound
}

/// The data-block handles of a table, from its index (tests inspect the layout).
func dataBlockHandles(_ table: SSTable) -> [BlockHandle] {
    var iterator = BlockIterator(block: table.index.block)
    var handles: [BlockHandle] = []
    iterator.seekToFirst()
    while iterator.isValid {
        handles.append(BlockHandle.decode(exactly: iterator.value)!)
        iterator.next()
    }
    return handles
}

/// The entries of one block.
func blockEntries(_ block: Block) -> [TestEntry] {
    var iterator = BlockIterator(block: block)
    var entries: [TestEntry] = []
    iterator.seekToFirst()
    while iterator.isValid {
        entries.append(TestEntry(key: Array(iterator.key), value: Array(iterator.value)))
        iterator.next()
    }
    return entries
}

/// `#expect` for conditions over `~Copyable` iterators (the macro cannot capture those).
func check(_ condition: Bool, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(condition, Comment(rawValue: text), sourceLocation: sourceLocation)
}
