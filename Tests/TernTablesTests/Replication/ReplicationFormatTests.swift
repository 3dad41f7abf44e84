import Testing
import TernEngine
@testable import TernTables

/// The golden vectors of `docs/formats/replication.md` ("Stored entries"): stamp entries, global
/// table records and receive markers, byte for byte, and their refusals.
@Suite struct ReplicationFormatTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...($0 + 1)]), radix: 16)! }
    }

    static let east = RegionID(unchecked: "east")
    static let west = RegionID(unchecked: "west")

    @Test func stampEntryVectors() throws {
        let fresh = StampEntry(stamp: WriteStamp(time: HybridTimestamp(rawValue: 0x1_0000_0002), region: Self.east), previous: nil)
        let freshBytes = Self.hex("01 00 0000000100000002 04 65617374 0000000000000000 00")
        #expect(fresh.encoded() == freshBytes)
        #expect(try StampEntry.decode(freshBytes) == fresh)
        let purge = StampEntry(
            stamp: WriteStamp(time: HybridTimestamp(rawValue: 0x1_0000_0002), region: Self.east),
            previous: WriteStamp(time: HybridTimestamp(rawValue: 0x1_0000_0001), region: Self.west), isExpiryPurge: true)
        let purgeBytes = Self.hex("01 01 0000000100000002 04 65617374 0000000100000001 04 77657374")
        #expect(purge.encoded() == purgeBytes)
        #expect(try StampEntry.decode(purgeBytes) == purge)
    }

    @Test(arguments: [
        "02 00 0000000100000002 04 65617374 0000000000000000 00",  // another version
        "01 02 0000000100000002 04 65617374 0000000000000000 00",  // unknown flag
        "01 00 0000000100000002 00 0000000000000000 00",  // no region
        "01 00 0000000100000002 04 65617374 0000000000000001 00",  // a previous time without a region
        "01 00 0000000100000002 04 65612074 0000000000000000 00",  // a space in the region name
        "01 00 0000000100000002 04 65617374 0000000000000000",  // truncated
        "01 00 0000000100000002 04 65617374 0000000000000000 00 00",  // trailing byte
    ])
    func malformedStampEntriesAreRefused(_ text: String) {
        #expect(throws: TernError.self) { try StampEntry.decode(Self.hex(text)) }
    }

    @Test func globalTableRecordVector() throws {
        let record = GlobalTableRecord(
            tableName: "Pets", id: GlobalTableID(region: Self.east, time: HybridTimestamp(rawValue: 0x10)),
            stamp: WriteStamp(time: HybridTimestamp(rawValue: 0x20), region: Self.east),
            replicas: [Self.east: .active, Self.west: .creating])
        let bytes = Self.hex("01 04 50657473 04 65617374 0000000000000010 0000000000000020 04 65617374 02 04 65617374 01 04 77657374 00")
        #expect(record.encoded() == bytes)
        #expect(try GlobalTableRecord.decode(bytes) == record)
        let unordered = Self.hex("01 04 50657473 04 65617374 0000000000000010 0000000000000020 04 65617374 02 04 77657374 00 04 65617374 01")
        #expect(throws: TernError.self) { try GlobalTableRecord.decode(unordered) }
        let badStatus = Self.hex("01 04 50657473 04 65617374 0000000000000010 0000000000000020 04 65617374 01 04 65617374 07")
        #expect(throws: TernError.self) { try GlobalTableRecord.decode(badStatus) }
    }

    @Test func receiveMarkerVector() throws {
        let marker = ReceiveMarker(
            incarnation: 0x77, sequence: SequenceNumber(5), commitStamp: HybridTimestamp(rawValue: 0x30), horizon: HybridTimestamp(rawValue: 0x28))
        let bytes = Self.hex("01 0000000000000077 0000000000000005 0000000000000030 0000000000000028")
        #expect(marker.encoded() == bytes)
        #expect(try ReceiveMarker.decode(bytes) == marker)
        #expect(throws: TernError.self) { try ReceiveMarker.decode(Array(bytes.dropLast())) }
    }

    @Test func theTotalOrderIsClockThenRegionBytes() throws {
        let early = WriteStamp(time: HybridTimestamp(rawValue: 1), region: Self.west)
        let late = WriteStamp(time: HybridTimestamp(rawValue: 2), region: Self.east)
        #expect(early < late)
        #expect(WriteStamp(time: late.time, region: Self.east) < WriteStamp(time: late.time, region: Self.west))
        // Bytes, not Unicode collation: uppercase sorts before lowercase.
        #expect(try RegionID("Zulu") < RegionID("alpha"))
        #expect(!RegionID.isValid("") && !RegionID.isValid(String(repeating: "a", count: 65)) && !RegionID.isValid("é"))
    }
}
