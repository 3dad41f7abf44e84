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

func readLog(_ bytes: [UInt8], newest: Bool = true) throws -> (records: [[UInt8]], tornAt: Int?) {
    var reader = LogReader(bytes: bytes, path: "log", tailMayBeTorn: newest)
    var records: [[UInt8]] = []
    while let record = try reader.next() { records.append(record) }
    if let torn = reader.tornTail { #expect(torn.offset + torn.droppedBytes == bytes.count) }
    return (records, reader.tornTail?.offset)
}

/// Whether `body` throws a corruption error naming file "log" at `offset` (any offset when nil).
func throwsCorruption(at offset: Int?, _ body: () throws -> Void) -> Bool {
    do {
        try body()
        return false
    } catch let error as TernError {
        return error.code == .corruption && error.file == "log" && (offset == nil || error.offset == offset)
    } catch {
        return false
    }
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

    /// Regression (integrity audit): a flipped bit in the last record was taken for a torn tail
    /// and the record silently dropped. A complete fragment with a bad checksum is corruption.
    @Test func flippedBitInTheLastRecordIsCorruption() throws {
        let records = (0..<4).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        var bytes = try writeLog(records)
        bytes[bytes.count - 3] ^= 0x01
        #expect(throwsCorruption(at: 3 * 107) { _ = try readLog(bytes) })
    }

    /// Regression (integrity audit): after a record whose length field was damaged, intact
    /// records later in the same block were dropped without an error (the reader looked only at
    /// "offset + 7 + damaged length" and at later block starts).
    @Test(arguments: [4, 5, 6])
    func intactRecordsAfterADamagedHeaderAreFound(headerByte: Int) throws {
        let records = (0..<5).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        var bytes = try writeLog(records)
        bytes[headerByte] ^= 0x40  // the first record's length (bytes 4-5) or type (byte 6)
        #expect(throwsCorruption(at: 0) { _ = try readLog(bytes) })
    }

    /// A zeroed header followed by intact records is corruption, not the end of the log.
    @Test func zeroedHeaderBeforeIntactRecordsIsCorruption() throws {
        let records = (0..<5).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        var bytes = try writeLog(records)
        for index in 107..<114 { bytes[index] = 0 }
        #expect(throwsCorruption(at: 107) { _ = try readLog(bytes) })
    }

    /// Regression (integrity audit): a power cut that lost the first page of an unsynced record
    /// spanning several blocks left its MIDDLE and LAST fragments intact; the reader took them
    /// for "an intact record follows" and refused to open. They are the torn record itself.
    @Test func lostFirstPageOfAMultiBlockLastRecordIsATornTail() throws {
        let small = [UInt8](repeating: 7, count: 100)
        let large = (0..<(3 * LogFormat.blockSize)).map { UInt8(truncatingIfNeeded: $0 &* 31 | 1) }
        var bytes = try writeLog([small, large])
        let pageStart = 4096
        for index in pageStart..<(pageStart + 4096) { bytes[index] = 0 }
        let (read, torn) = try readLog(bytes)
        #expect(read == [small])
        #expect(torn == 107)
    }

    /// Lost sectors at the end of the newest log (the last record's tail is zeros) are a torn write.
    @Test func zeroedTailOfTheLastRecordIsATornTail() throws {
        let records = (0..<3).map { index in (0..<2000).map { UInt8(truncatingIfNeeded: $0 + index) | 1 } }
        var bytes = try writeLog(records)
        let lastStart = 2 * (2000 + 7)
        for index in (bytes.count - 600)..<bytes.count { bytes[index] = 0 }
        let (read, torn) = try readLog(bytes)
        #expect(read == Array(records.prefix(2)))
        #expect(torn == lastStart)
    }

    /// Only the newest log can have a torn tail: an older one was synced whole before the next
    /// was started, so an incomplete record there is corruption.
    @Test func truncatedOlderLogIsCorruption() throws {
        let records = (0..<4).map { [UInt8](repeating: UInt8($0 + 1), count: 100) }
        let bytes = try writeLog(records)
        #expect(throwsCorruption(at: 3 * 107) { _ = try readLog(Array(bytes.dropLast(10)), newest: false) })
        #expect(try readLog(Array(bytes.dropLast(10))).records == Array(records.prefix(3)))
    }

    @Test func zeroFilledTailIsTheEnd() throws {
        let bytes = try writeLog([[9, 9, 9]]) + [UInt8](repeating: 0, count: 500)
        let (read, torn) = try readLog(bytes)
        #expect(read == [[9, 9, 9]])
        #expect(torn == nil)
    }
}
