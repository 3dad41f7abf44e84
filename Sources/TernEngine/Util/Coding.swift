/// Little-endian fixed-width integers and LEB128 varints: the primitives of every on-disk format.
/// Encoders append to a `[UInt8]`; decoders read from raw buffers and return `nil` on truncation,
/// never trap on bad input.
extension Array where Element == UInt8 {
    @inlinable
    package mutating func appendFixed16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    @inlinable
    package mutating func appendFixed32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inlinable
    package mutating func appendFixed64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inlinable
    package mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    @inlinable
    package mutating func appendVarint(_ value: Int) {
        precondition(value >= 0, "varints encode non-negative values")
        appendVarint(UInt64(value))
    }

    /// Appends `bytes` prefixed with their length as a varint.
    @inlinable
    package mutating func appendLengthPrefixed(_ bytes: some Collection<UInt8>) {
        appendVarint(bytes.count)
        append(contentsOf: bytes)
    }
}

/// The number of bytes `appendVarint(value)` writes.
@inlinable
func varintLength(_ value: UInt64) -> Int {
    var v = value
    var n = 1
    while v >= 0x80 {
        v >>= 7
        n += 1
    }
    return n
}

extension UnsafeRawBufferPointer {
    @inlinable
    package func fixed16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    package func fixed32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    package func fixed64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Decodes a varint at `offset`; returns the value and the offset just past it, or `nil` when
    /// the buffer ends first or the varint is longer than 10 bytes.
    @inlinable
    package func varint(at offset: Int) -> (value: UInt64, next: Int)? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var position = offset
        while position < count && shift <= 63 {
            let byte = self[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return (result, position) }
            shift += 7
        }
        return nil
    }
}

/// A forward reader over raw bytes for the formats' decoders. Every read checks bounds and
/// returns `nil` when the input is too short, so a decoder turns truncation into a corruption
/// error instead of a trap.
package struct ByteReader {
    package let bytes: UnsafeRawBufferPointer
    package var position: Int

    package init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    package var remaining: Int { bytes.count - position }
    package var isAtEnd: Bool { position >= bytes.count }

    package mutating func readByte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    package mutating func readFixed32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { position += 4 }
        return bytes.fixed32(at: position)
    }

    package mutating func readFixed64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { position += 8 }
        return bytes.fixed64(at: position)
    }

    package mutating func readVarint() -> UInt64? {
        guard let (value, next) = bytes.varint(at: position) else { return nil }
        position = next
        return value
    }

    /// A varint that must fit an `Int` no larger than `limit`.
    package mutating func readLength(limit: Int = Int(Int32.max)) -> Int? {
        guard let value = readVarint(), value <= UInt64(limit) else { return nil }
        return Int(value)
    }

    package mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    package mutating func readLengthPrefixed() -> UnsafeRawBufferPointer? {
        guard let length = readLength() else { return nil }
        return readBytes(length)
    }
}
