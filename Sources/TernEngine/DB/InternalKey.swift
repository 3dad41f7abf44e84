import CTernSupport

/// The number that orders every write: each batch takes the next `count` numbers, one per record.
/// A read snapshot is a sequence number: it sees exactly the records at or below it.
public struct SequenceNumber: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    /// Sequence numbers live in 56 bits: the low byte of an internal key's trailer is the kind.
    public static let max = SequenceNumber(rawValue: (1 << 56) - 1)
    public static let zero = SequenceNumber(rawValue: 0)

    public init(rawValue: UInt64) {
        precondition(rawValue <= (1 << 56) - 1, "sequence numbers are 56-bit")
        self.rawValue = rawValue
    }

    public init(_ value: UInt64) {
        self.init(rawValue: value)
    }

    public static func < (a: SequenceNumber, b: SequenceNumber) -> Bool { a.rawValue < b.rawValue }
    public static func + (a: SequenceNumber, b: UInt64) -> SequenceNumber { SequenceNumber(a.rawValue + b) }
    public var description: String { String(rawValue) }
}

/// What a record in the log-structured tree says about its user key.
public enum ValueKind: UInt8, Sendable {
    /// The key was deleted (a tombstone).
    case deletion = 0
    /// The key holds a value.
    case value = 1

    /// The kind used when seeking: the largest, so a seek for (key, seq) lands on the newest
    /// record at or below `seq`.
    static let forSeek = ValueKind.value
}

/// The key the engine stores: the user key followed by an 8-byte little-endian trailer
/// `sequence << 8 | kind`.
///
/// Order: user key ascending (unsigned bytes), then sequence descending, then kind descending,
/// so the newest version of a user key comes first. See `docs/formats/sstable.md`.
@_spi(Benchmarks) public enum InternalKey {
    @_spi(Benchmarks) public static let trailerSize = 8

    @inlinable
    static func trailer(_ sequence: SequenceNumber, _ kind: ValueKind) -> UInt64 {
        (sequence.rawValue << 8) | UInt64(kind.rawValue)
    }

    /// Encodes an internal key.
    @_spi(Benchmarks) public static func encode(_ userKey: some Collection<UInt8>, _ sequence: SequenceNumber, _ kind: ValueKind) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(userKey.count + trailerSize)
        bytes.append(contentsOf: userKey)
        bytes.appendFixed64(trailer(sequence, kind))
        return bytes
    }

    /// The user-key part of an encoded internal key.
    @inlinable
    @_spi(Benchmarks) public static func userKey(_ internalKey: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: internalKey[0..<(internalKey.count - trailerSize)])
    }

    /// The sequence number and kind of an encoded internal key, or `nil` when it is malformed
    /// (too short, or an unknown kind).
    @inlinable
    @_spi(Benchmarks) public static func decodeTrailer(_ internalKey: UnsafeRawBufferPointer) -> (SequenceNumber, ValueKind)? {
        guard internalKey.count >= trailerSize else { return nil }
        let trailer = internalKey.fixed64(at: internalKey.count - trailerSize)
        guard let kind = ValueKind(rawValue: UInt8(truncatingIfNeeded: trailer)) else { return nil }
        return (SequenceNumber(rawValue: trailer >> 8), kind)
    }

    /// Three-way comparison of two encoded internal keys in the order above.
    @inlinable
    @_spi(Benchmarks) public static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let byUser = compareBytes(userKey(a), userKey(b))
        if byUser != 0 { return byUser }
        let trailerA = a.fixed64(at: a.count - trailerSize)
        let trailerB = b.fixed64(at: b.count - trailerSize)
        return trailerA > trailerB ? -1 : (trailerA < trailerB ? 1 : 0)
    }
}

/// Three-way comparison of byte strings as unsigned bytes (memcmp order, shorter first on a tie).
@inlinable
package func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    var offset = 0
    // Short keys (the common case: 16-byte keys) compare 8 bytes at a time inline, as
    // big-endian words, which orders like memcmp; longer tails go to memcmp.
    while offset + 8 <= common && offset < 32 {
        let left = UInt64(bigEndian: a.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let right = UInt64(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        if left != right { return left < right ? -1 : 1 }
        offset += 8
    }
    if offset < common {
        let result = tern_compare_memory(a.baseAddress! + offset, b.baseAddress! + offset, common - offset)
        if result != 0 { return result < 0 ? -1 : 1 }
    }
    return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
}

/// Three-way comparison of two byte arrays as unsigned bytes.
@inlinable
package func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in compareBytes(a, b) } }
}
