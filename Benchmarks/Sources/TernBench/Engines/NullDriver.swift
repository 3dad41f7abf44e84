/// An engine that stores nothing and answers as a store holding keys `0..<keyCount` (each with
/// a `valueSize`-byte value) would: gets of generated keys are found, keys with the
/// readmissing suffix are absent, seeks land exactly, scans produce every key in order. Its
/// figures are the harness's own cost per operation (key formatting, the random generator, the
/// clock reads, the histogram, the checks), which every other engine's figures include too.
final class NullBenchEngine: BenchEngine {
    let settings: EngineSettings

    private init(settings: EngineSettings) { self.settings = settings }

    static func open(directory: String, settings: EngineSettings) throws -> NullBenchEngine {
        NullBenchEngine(settings: settings)
    }

    var configurationSummary: String {
        "null engine: stores nothing, answers as a store of every key would (the harness's own cost per operation)"
    }

    func makeSession() throws -> NullSession { NullSession(settings: settings) }

    func tableBytesWritten() -> Int? { nil }

    func close() throws {}
}

struct NullSession: BenchSession {
    let settings: EngineSettings
    /// Folds in a byte of every key and value it is handed, so the calls cannot be optimized
    /// away (an engine reads them too).
    private(set) var touched: UInt64 = 0

    init(settings: EngineSettings) { self.settings = settings }

    mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        touched &+= UInt64(key[key.count - 1]) &+ UInt64(value[0]) &+ UInt64(value.count)
    }

    mutating func get(_ key: UnsafeRawBufferPointer) throws -> Int? {
        touched &+= UInt64(key[0])
        // readmissing probes an existing key plus ".": absent; every other key exists.
        return key.count > settings.keySize && key[settings.keySize] == UInt8(ascii: ".") ? nil : settings.valueSize
    }

    mutating func seek(_ key: UnsafeRawBufferPointer, nextCount: Int) throws -> (exact: Bool, entries: Int) {
        touched &+= UInt64(key[key.count - 1])
        return (true, nextCount + 1)
    }

    mutating func scan(
        lowerBound: UnsafeRawBufferPointer?, upperBound: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, Int) -> Void
    ) throws {
        let keySize = settings.keySize
        let first = lowerBound.map { NullSession.decimal($0) } ?? 0
        let end = upperBound.map { NullSession.decimal($0) } ?? settings.keyCount
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize, alignment: 8)
        defer { key.deallocate() }
        for index in first..<max(first, end) {
            formatKey(index, into: key, size: keySize)
            visit(UnsafeRawBufferPointer(key), settings.valueSize)
        }
    }

    /// The number a formatted key spells (its decimal digits).
    private static func decimal(_ key: UnsafeRawBufferPointer) -> Int {
        key.reduce(0) { $0 * 10 + Int($1) - 48 }
    }
}
