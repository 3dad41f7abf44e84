/// A hybrid-logical-clock timestamp: 52 bits of physical time (microseconds since the Unix epoch,
/// UTC; enough until the year 2112) and a 12-bit logical counter, in one `UInt64` that orders as
/// the pair does. Every committed batch of a store carries one (its *commit stamp*).
///
/// The logical counter orders events within one microsecond and events stamped while the wall
/// clock stood still or stepped back; when it overflows it carries into the physical part, so
/// `rawValue + 1` is always the next stamp.
public struct HybridTimestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    /// Bits of the logical counter.
    public static let logicalBits = 12
    public static let logicalMask: UInt64 = (1 << 12) - 1
    /// The stamp before every stamp: a store's history starts after it.
    public static let zero = HybridTimestamp(rawValue: 0)
    public static let max = HybridTimestamp(rawValue: .max)

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The stamp with these parts. `logical` must be below 4096.
    public init(physicalMicroseconds: UInt64, logical: UInt64 = 0) {
        precondition(logical <= Self.logicalMask, "the logical counter has 12 bits")
        precondition(physicalMicroseconds < 1 << 52, "physical time past the year 2112")
        rawValue = physicalMicroseconds << UInt64(Self.logicalBits) | logical
    }

    /// Microseconds since the Unix epoch (UTC).
    public var physicalMicroseconds: UInt64 { rawValue >> UInt64(Self.logicalBits) }
    /// The logical counter within `physicalMicroseconds`.
    public var logical: UInt64 { rawValue & Self.logicalMask }

    /// The last stamp of `physicalMicroseconds`: a restore "to instant t" includes every batch
    /// stamped at or before it.
    public static func endOf(microsecond physicalMicroseconds: UInt64) -> HybridTimestamp {
        HybridTimestamp(physicalMicroseconds: physicalMicroseconds, logical: logicalMask)
    }

    /// The stamp `count` logical steps later.
    public func advanced(by count: UInt64) -> HybridTimestamp { HybridTimestamp(rawValue: rawValue + count) }

    public static func < (a: HybridTimestamp, b: HybridTimestamp) -> Bool { a.rawValue < b.rawValue }

    /// RFC 3339 in UTC with microseconds, then `#logical` when the counter is not zero:
    /// `2026-12-05T01:42:03.123456Z#2`.
    public var description: String {
        let time = UTCTime.format(microseconds: physicalMicroseconds)
        return logical == 0 ? time : time + "#\(logical)"
    }
}
