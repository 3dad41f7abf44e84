import Testing
import TernTesting
@testable import TernEngine

@Suite struct HybridLogicalClockTests {
    /// A wall clock that jumps backwards and forwards at random: stamps stay strictly increasing
    /// and never fall behind the wall clock.
    @Test func stampsStrictlyIncreaseWhateverTheWallClockDoes() {
        var generator = SeededGenerator.fromEnvironment("hlc-jumps")
        let wall = ManualClock()
        let clock = HybridLogicalClock(physicalClock: wall)
        var previous = HybridTimestamp.zero
        for _ in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: wall.advance(microseconds: -Int64.random(in: 1...5_000_000, using: &generator))
            case 1: wall.advance(microseconds: Int64.random(in: 1...5_000_000, using: &generator))
            case 2...5: wall.advance(microseconds: Int64.random(in: 0...3, using: &generator))
            default: break
            }
            let count = Int.random(in: 1...5, using: &generator)
            let first = clock.reserve(count)
            #expect(first > previous, "\(first) after \(previous)")
            #expect(first.physicalMicroseconds >= wall.microsecondsSinceEpoch() || first.rawValue == previous.rawValue + 1)
            previous = first.advanced(by: UInt64(count - 1))
        }
    }

    @Test func followsTheWallClockWhenItMovesForward() {
        let wall = ManualClock(microseconds: 5_000_000)
        let clock = HybridLogicalClock(physicalClock: wall)
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 5_000_000))
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 5_000_000, logical: 1))
        wall.advance(microseconds: 10)
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 5_000_010))
        wall.advance(microseconds: -1_000)
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 5_000_010, logical: 1))
    }

    /// 4096 stamps in one microsecond: the logical counter carries into the physical part.
    @Test func logicalOverflowCarries() {
        let clock = HybridLogicalClock(physicalClock: ManualClock(microseconds: 7))
        let first = clock.reserve(4096)
        #expect(first == HybridTimestamp(physicalMicroseconds: 7))
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 8))
    }

    @Test func observedStampsPushTheClockPastThem() {
        let wall = ManualClock(microseconds: 1_000)
        let clock = HybridLogicalClock(physicalClock: wall)
        let remote = HybridTimestamp(physicalMicroseconds: 900_000, logical: 5)
        clock.observe(remote)
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 900_000, logical: 6))
        clock.observe(HybridTimestamp(physicalMicroseconds: 10))  // older: no effect
        #expect(clock.now() == HybridTimestamp(physicalMicroseconds: 900_000, logical: 7))
    }

    @Test func stampsTooFarAheadAreRefused() {
        let wall = ManualClock(microseconds: 10_000_000)
        let clock = HybridLogicalClock(physicalClock: wall)
        let ahead = HybridTimestamp(physicalMicroseconds: 10_600_000)
        #expect(throws: ClockSkewError.self) { try clock.receive(ahead, maxAheadOfWallClock: .milliseconds(500)) }
        #expect(clock.latest < ahead, "a refused stamp moved the clock")
        try? clock.receive(HybridTimestamp(physicalMicroseconds: 10_400_000), maxAheadOfWallClock: .milliseconds(500))
        #expect(clock.latest == HybridTimestamp(physicalMicroseconds: 10_400_000))
    }

    @Test func descriptionIsRFC3339WithTheLogicalCounter() {
        #expect(HybridTimestamp(physicalMicroseconds: 1_000_000, logical: 1).description == "1970-01-01T00:00:01.000000Z#1")
        #expect(HybridTimestamp(physicalMicroseconds: 1_764_899_523_123_456).description == "2025-12-05T01:52:03.123456Z")
    }
}

@Suite struct UTCTimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", UInt64(0)),
        ("1970-01-01T00:00:00.000001Z", 1),
        ("2000-02-29T12:00:00Z", 951_825_600_000_000),
        ("2026-12-05T01:42:03.5Z", 1_796_434_923_500_000),
        ("2026-12-05T03:42:03.5+02:00", 1_796_434_923_500_000),
        ("2026-12-04T20:42:03.123456-05:00", 1_796_434_923_123_456),
        ("2026-12-05 01:42:03z", 1_796_434_923_000_000),
    ])
    func parses(text: String, microseconds: UInt64) {
        #expect(UTCTime.parse(text) == microseconds)
    }

    @Test(arguments: ["", "2026-12-05", "2026-12-05T01:42:03", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                      "2026-12-05T24:00:00Z", "2026-12-05T01:42:03.1234567Z", "2026-12-05T01:42:03.Z",
                      "1969-12-31T23:59:59Z", "2026-12-05T01:42:03Zx", "2026-12-05T01:42:03+2:00"])
    func refuses(text: String) {
        #expect(UTCTime.parse(text) == nil)
    }

    @Test func formatAndParseRoundTrip() {
        var generator = SeededGenerator.fromEnvironment("utc-round-trip")
        for _ in 0..<5_000 {
            let microseconds = UInt64.random(in: 0..<(UInt64(200) * 365 * 86_400 * 1_000_000), using: &generator)
            #expect(UTCTime.parse(UTCTime.format(microseconds: microseconds)) == microseconds)
        }
    }
}
