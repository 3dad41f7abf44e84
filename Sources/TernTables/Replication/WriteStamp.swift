import TernEngine

/// The version of one write to an item of a global table: when (a hybrid-logical-clock stamp
/// taken from the store's clock under the item's lock stripe) and where (the region that wrote it).
///
/// **The total order** is the clock value first, then the region name's bytes: two writes of one
/// item in different regions can carry the same clock value only if their clocks met in the same
/// microsecond and logical count, and the region breaks that tie the same way everywhere. Every
/// replica applies a replicated write only when its stamp orders after the stamp it holds for the
/// item (*last writer wins*), so every replica ends with the same winner whatever order writes
/// arrive in.
public struct WriteStamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The hybrid-logical-clock value of the write.
    public var time: HybridTimestamp
    /// The region the write was made in.
    public var region: RegionID

    public init(time: HybridTimestamp, region: RegionID) {
        self.time = time
        self.region = region
    }

    public static func < (a: WriteStamp, b: WriteStamp) -> Bool {
        a.time != b.time ? a.time < b.time : a.region < b.region
    }

    /// `2026-12-05T01:42:03.123456Z#2@eu-west`.
    public var description: String { "\(time)@\(region)" }
}

/// What a global table stores beside an item (or in place of a deleted one): the write's stamp,
/// the stamp of the version it replaced, and flags. The layout is `docs/formats/replication.md`,
/// "Stamp entries":
///
/// ```
/// entry    = %x01 flags stamp previous
/// flags    = OCTET                          ; bit 0: an expired version purged by TTL (not shipped)
/// stamp    = hlc:8OCTET region              ; hlc big-endian
/// previous = hlc:8OCTET region              ; hlc 0 and an empty region: nothing was replaced
/// region   = length:OCTET *OCTET            ; 1...64 bytes (0 only in `previous`)
/// ```
///
/// The item's stamp entry lives at `[table id][252][pk][sk]`, a deleted item's tombstone at
/// `[table id][253][pk][sk]` (see `docs/tables.md`, "Key layout"); an item never holds both.
public struct StampEntry: Hashable, Sendable {
    /// The version byte every entry starts with. Bump it on any change to the bytes.
    public static let formatVersion: UInt8 = 1

    /// The write's stamp.
    public var stamp: WriteStamp
    /// The version the write replaced where it was made (nil: the item was absent and had no
    /// tombstone). Replicas use it to tell a concurrent overwrite (a conflict LWW resolves by
    /// dropping one write) from a causal one.
    public var previous: WriteStamp?
    /// A tombstone that TTL left in place of an expired version: it carries that version's own
    /// stamp, every replica purges its copy itself, and it is never shipped.
    public var isExpiryPurge: Bool

    public init(stamp: WriteStamp, previous: WriteStamp?, isExpiryPurge: Bool = false) {
        self.stamp = stamp
        self.previous = previous
        self.isExpiryPurge = isExpiryPurge
    }

    /// The entry's bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [StampEntry.formatVersion, isExpiryPurge ? 1 : 0]
        bytes.reserveCapacity(20 + stamp.region.name.utf8.count * 2)
        StampEntry.append(stamp, to: &bytes)
        if let previous {
            StampEntry.append(previous, to: &bytes)
        } else {
            bytes.append(contentsOf: repeatElement(0, count: 9))
        }
        return bytes
    }

    /// Decodes an entry, validating every byte.
    ///
    /// - Throws: `TernError` `.unsupportedFormat` for another version, `.corruption` otherwise.
    public static func decode(_ bytes: [UInt8]) throws -> StampEntry {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = ByteReader(buffer, format: "stamp entry")
            let version = try reader.readByte()
            guard version == formatVersion else {
                throw TernError(.unsupportedFormat, "stamp entry version \(version) is not \(formatVersion)")
            }
            let flags = try reader.readByte()
            guard flags & ~1 == 0 else { throw reader.corruption("unknown flags \(flags)") }
            guard let stamp = try readStamp(&reader) else { throw reader.corruption("an entry without a region") }
            let previous = try readStamp(&reader)
            guard reader.isAtEnd else { throw reader.corruption("\(reader.remaining) bytes after the entry") }
            return StampEntry(stamp: stamp, previous: previous, isExpiryPurge: flags & 1 != 0)
        }
    }

    static func append(_ stamp: WriteStamp, to bytes: inout [UInt8]) {
        appendBigEndian(stamp.time.rawValue, to: &bytes)
        bytes.append(UInt8(stamp.region.name.utf8.count))
        bytes.append(contentsOf: stamp.region.name.utf8)
    }

    /// A stamp, or nil for the all-zero "nothing" form.
    static func readStamp(_ reader: inout ByteReader) throws -> WriteStamp? {
        var time: UInt64 = 0
        for byte in try reader.readSlice(8) { time = time << 8 | UInt64(byte) }
        let length = Int(try reader.readByte())
        let name = try reader.readSlice(length)
        if length == 0 {
            guard time == 0 else { throw reader.corruption("a stamp without a region") }
            return nil
        }
        let text = String(decoding: name, as: UTF8.self)
        guard RegionID.isValid(text) else { throw reader.corruption("invalid region name") }
        return WriteStamp(time: HybridTimestamp(rawValue: time), region: RegionID(unchecked: text))
    }

    static func appendBigEndian(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
