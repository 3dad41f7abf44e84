import Testing
import TernTesting
@testable import TernEngine

/// Writes `records` with a `LogWriter` into a fresh in-memory file and returns its bytes.
func writeLog(_ records: [[UInt8]]) throws -> [UInt8] {
    let fileSystem = MemoryFileSystem()
    var writer = LogWriter(file: try fileSystem.openWritable("log", truncate: true))
    for record in records { try writer.add(record) }
    try writer.sync()
    return try fileSystem.readFile("log")
}

func readLog(_ bytes: [UInt8]) throws -> (records: [[UInt8]], tornAt: Int?) {
    var reader = LogReader(bytes: bytes, path: "log")
    var records: [[UInt8]] = []
    while let record = try reader.next() { records.append(record) }
    return (records, reader.tornTailOffset)
}

@Suite struct LogFormatTests {
    static let payloadRoom = LogFormat.blockSize - LogFormat.headerSize

    /// Record sizes around every boundary: empty, a block exactly filled, ±1, a record leaving
    /// fewer than 7 bytes (the zero trailer), and records spanning several blocks.
    @Test(arguments: [0, 1, payloadRoom - 7, payloadRoom - 6, payloadRoom - 1, payloadRoom, payloadRoom + 1,
                      2 * LogFormat.blockSize, 3 * LogFormat.blockSize + 5, 100_000])
    func recordSizesRoundTrip(size: Int) throws {
        var generator = SeededGenerator(seed: UInt64(size))
        let records = [generator.bytes(size), generator.bytes(size / 2 + 3), Array("tail".utf8)]
        let bytes = try writeLog(records)
        let (read, torn) = try readLog(bytes)
        #expect(read == records)
        #expect(torn == nil)
    }

    /// Regression: an empty record arriving when fewer than 7 bytes remain in the block was
    /// dropped (the writer padded the block and then left its loop without a fragment).
    @Test func emptyRecordAfterTheBlockTrailer() throws {
        let first = [UInt8](repeating: 0xCD, count: Self.payloadRoom - 3)
        let bytes = try writeLog([first, [], [7]])
        #expect(try readLog(bytes).records == [first, [], [7]])
    }

    @Test func blockTrailerIsZeroFilled() throws {
        // A first record leaving exactly 6 bytes in the block: the writer pads them with zeros.
        let first = [UInt8](repeating: 0xAB, count: Self.payloadRoom - 6)
        let bytes = try writeLog([first, [1, 2, 3]])
        #expect(bytes[(LogFormat.blockSize - 6)..<LogFormat.blockSize].allSatisfy { $0 == 0 })
        #expect(try readLog(bytes).records == [first, [1, 2, 3]])
    }

    /// Golden vector from docs/formats/wal.md: one FULL record holding "tern".
    @Test func goldenVector() throws {
        let bytes = try writeLog([Array("tern".utf8)])
        #expect(hex(bytes) == "4ca200520400017465726e")
    }

    @Test func everyTruncationIsATornTailNeverAnError() throws {
        let records = (0..<5).map { [UInt8](repeating: UInt8($0), count: 9000) }
        let bytes = try writeLog(records)
        for cut in stride(from: 0, to: bytes.count, by: 97) {
            let (read, _) = try readLog(Array(bytes[0..<cut]))
            #expect(read == Array(records.prefix(read.count)), "cut at \(cut)")
            #expect(read.count <= records.count)
        }
    }

    @Test func damageInTheMiddleIsReportedWithFileAndOffset() throws {
        let records = (0..<4).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        var bytes = try writeLog(records)
        bytes[107 + 20] ^= 0x01  // inside the payload of the second record
        #expect {
            _ = try readLog(bytes)
        } throws: { error in
            guard let error = error as? TernError else { return false }
            return error.code == .corruption && error.file == "log" && error.offset == 107
        }
    }

    @Test func damageInTheLastRecordIsATornTail() throws {
        let records = (0..<4).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        var bytes = try writeLog(records)
        bytes[bytes.count - 3] ^= 0xFF
        let (read, torn) = try readLog(bytes)
        #expect(read == Array(records.prefix(3)))
        #expect(torn == 3 * 107)
    }

    @Test func zeroFilledTailIsTheEnd() throws {
        let bytes = try writeLog([[9, 9, 9]]) + [UInt8](repeating: 0, count: 500)
        let (read, torn) = try readLog(bytes)
        #expect(read == [[9, 9, 9]])
        #expect(torn == nil)
    }
}
