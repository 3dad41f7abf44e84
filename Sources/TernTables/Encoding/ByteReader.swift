import TernEngine

/// A bounds-checked cursor over borrowed bytes: every read checks what is left and throws
/// `TernError.corruption` instead of trapping, so decoders are safe on arbitrary input.
struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset: Int
    /// Names the format in error messages ("item codec", ...).
    let format: String

    init(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0, format: String) {
        self.bytes = bytes
        self.offset = offset
        self.format = format
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func corruption(_ message: String, at position: Int? = nil) -> TernError {
        TernError(.corruption, "\(format): \(message)", offset: position ?? offset)
    }

    mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw corruption("unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads `count` bytes as a slice of the underlying buffer (no copy).
    mutating func readSlice(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
        guard count >= 0, count <= remaining else { throw corruption("length \(count) exceeds the \(remaining) bytes left") }
        defer { offset += count }
        return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= remaining else { throw corruption("length \(count) exceeds the \(remaining) bytes left") }
        offset += count
    }

    /// Reads an unsigned LEB128 varint of at most `maxBits` bits, rejecting overlong encodings that
    /// would overflow.
    mutating func readVarUInt128(maxBits: Int = 128) throws -> UInt128 {
        let start = offset
        var result: UInt128 = 0
        var shift = 0
        while true {
            let byte = try readByte()
            let payload = UInt128(byte & 0x7F)
            guard shift < maxBits, shift + 7 <= maxBits || payload >> (maxBits - shift) == 0 else {
                throw corruption("varint overflows \(maxBits) bits", at: start)
            }
            result |= payload << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readVarUInt64() throws -> UInt64 {
        // Fast path: most lengths and counts fit one byte.
        if offset < bytes.count, bytes[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(bytes[offset])
        }
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            let payload = UInt64(byte & 0x7F)
            guard shift < 64, shift + 7 <= 64 || payload >> (64 - shift) == 0 else {
                throw corruption("varint overflows 64 bits", at: start)
            }
            result |= payload << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a UTF-8 string of `count` bytes, rejecting invalid UTF-8.
    mutating func readString(_ count: Int) throws -> String {
        let start = offset
        let slice = try readSlice(count)
        guard UTF8Check.isValid(slice) else { throw corruption("string is not valid UTF-8", at: start) }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Reads a varint used as a length or count: it must not exceed the bytes left (every counted
    /// thing takes at least one byte), which also bounds any allocation sized from it.
    mutating func readCount() throws -> Int {
        let start = offset
        let value = try readVarUInt64()
        guard value <= UInt64(remaining) else { throw corruption("count \(value) exceeds the \(remaining) bytes left", at: start) }
        return Int(value)
    }

    /// Reads a zigzag-encoded signed varint.
    mutating func readZigZag() throws -> Int64 {
        let raw = try readVarUInt64()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as an unsigned LEB128 varint.
    mutating func appendVarUInt(_ value: UInt128) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendVarUInt(_ value: Int) {
        precondition(value >= 0, "varints hold non-negative values")
        var rest = UInt(value)
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    /// Appends `value` zigzag-encoded (0, -1, 1, -2, ... → 0, 1, 2, 3, ...).
    mutating func appendZigZag(_ value: Int64) {
        appendVarUInt(UInt128(UInt64(bitPattern: (value << 1) ^ (value >> 63))))
    }
}

/// A UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) with an ASCII
/// fast path. `String(validating:as:)` does the same but is generic and not specialized here, which
/// made it the hottest part of decoding.
enum UTF8Check {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        while index < count {
            // ASCII runs eight bytes at a time: no byte has its high bit set.
            while index + 8 <= count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < count else { break }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lower, second <= upper else { return false }
            for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
                return false
            }
            index += length
        }
        return true
    }
}
