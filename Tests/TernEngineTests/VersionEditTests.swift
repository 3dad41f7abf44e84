import Testing
@_spi(Benchmarks) @testable import TernEngine

@Suite struct VersionEditTests {
    @Test func roundTrips() throws {
        var edit = VersionEdit()
        edit.formatVersion = 1
        edit.logNumber = FileNumber(7)
        edit.nextFileNumber = FileNumber(12)
        edit.lastSequence = SequenceNumber(99)
        edit.deletedFiles = [(1, FileNumber(3))]
        edit.newFiles = [(0, .init(number: FileNumber(11), sizeBytes: 4096,
                                   smallest: InternalKey.encode([1], SequenceNumber(5), .value),
                                   largest: InternalKey.encode([9], SequenceNumber(6), .deletion)))]
        let decoded = try VersionEdit.decode(edit.encode(), file: "MANIFEST-000001", offset: 0)
        #expect(decoded == edit)
    }

    /// Golden vector from docs/formats/manifest.md.
    @Test func goldenVector() {
        var edit = VersionEdit()
        edit.formatVersion = 1
        edit.logNumber = FileNumber(5)
        edit.nextFileNumber = FileNumber(6)
        edit.lastSequence = SequenceNumber(300)
        #expect(hex(edit.encode()) == "0101" + "0205" + "0306" + "04ac02")
        edit.formatVersion = 2
        edit.lastStamp = HybridTimestamp(rawValue: 4_096_001)
        edit.walStarts = [(FileNumber(5), SequenceNumber(290))]
        edit.feedConsumers = [("ar", SequenceNumber(250))]
        #expect(hex(edit.encode()) == "0102" + "0205" + "0306" + "04ac02" + "078180fa01" + "0805a202" + "09026172fa01")
    }

    @Test func formatTwoFieldsRoundTrip() throws {
        var edit = VersionEdit()
        edit.formatVersion = 2
        edit.lastStamp = HybridTimestamp(physicalMicroseconds: 1_796_434_923_000_000, logical: 9)
        edit.walStarts = [(FileNumber(3), SequenceNumber(1)), (FileNumber(8), SequenceNumber(5000))]
        edit.feedConsumers = [("archive", SequenceNumber(4000)), ("peer:us-west", SequenceNumber(12))]
        edit.removedFeedConsumers = ["old"]
        #expect(try VersionEdit.decode(edit.encode(), file: "MANIFEST-000001", offset: 0) == edit)
    }

    @Test func unknownTagMeansNewerFormat() {
        #expect {
            _ = try VersionEdit.decode([0x63, 0x01], file: "MANIFEST-000001", offset: 0)
        } throws: { ($0 as? TernError)?.code == .unsupportedFormat }
    }

    @Test func truncatedFieldsAreCorruption() {
        var edit = VersionEdit()
        edit.newFiles = [(2, .init(number: FileNumber(11), sizeBytes: 4096,
                                   smallest: InternalKey.encode([1], SequenceNumber(5), .value),
                                   largest: InternalKey.encode([9], SequenceNumber(6), .value)))]
        let bytes = edit.encode()
        for cut in 1..<bytes.count {
            #expect { _ = try VersionEdit.decode(Array(bytes[0..<cut]), file: "M", offset: 0) } throws: {
                ($0 as? TernError)?.code == .corruption
            }
        }
    }
}
