import TernEngine
import TernTables

/// A bounds-checked reader over a frame's payload: every read checks what is left and throws
/// `ProtocolError.malformed` instead of trapping, because payloads come from the network.
struct WireReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    mutating func byte() throws(ProtocolError) -> UInt8 {
        guard offset < end else { throw .malformed("the payload ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint64() throws(ProtocolError) -> UInt64 {
        guard remaining >= 8 else { throw .malformed("the payload ends early") }
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return value
    }

    mutating func varint() throws(ProtocolError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw .malformed("a varint overflows 64 bits") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// A length or count: never more than the bytes left (everything counted takes a byte), so
    /// nothing is allocated from an absurd number.
    mutating func count() throws(ProtocolError) -> Int {
        let value = try varint()
        guard value <= UInt64(remaining) else { throw .malformed("a length of \(value) exceeds the \(remaining) bytes left") }
        return Int(value)
    }

    mutating func slice(_ count: Int) throws(ProtocolError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .malformed("the payload ends early") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func lengthPrefixed() throws(ProtocolError) -> [UInt8] {
        try slice(try count())
    }

    mutating func string() throws(ProtocolError) -> String {
        let raw = try lengthPrefixed()
        guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed("a string is not UTF-8") }
        return text
    }

    mutating func region() throws(ProtocolError) -> RegionID {
        let name = try string()
        guard RegionID.isValid(name) else { throw .malformed("an invalid region name") }
        return try! RegionID(name)
    }

    mutating func stamp() throws(ProtocolError) -> WriteStamp {
        let time = HybridTimestamp(rawValue: try uint64())
        return WriteStamp(time: time, region: try region())
    }

    /// A stamp, or nil for the "none" form (clock 0 and an empty region).
    mutating func optionalStamp() throws(ProtocolError) -> WriteStamp? {
        let time = try uint64()
        let name = try string()
        if name.isEmpty {
            guard time == 0 else { throw .malformed("a stamp without a region") }
            return nil
        }
        guard RegionID.isValid(name) else { throw .malformed("an invalid region name") }
        return WriteStamp(time: HybridTimestamp(rawValue: time), region: try! RegionID(name))
    }

    func expectEnd() throws(ProtocolError) {
        guard isAtEnd else { throw .malformed("\(remaining) bytes after the message") }
    }
}

/// Appending the protocol's primitive types: big-endian fixed integers, LEB128 varints,
/// length-prefixed bytes.
extension Array where Element == UInt8 {
    mutating func appendUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendLengthPrefixed(_ bytes: [UInt8]) {
        appendVarint(UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    mutating func appendString(_ text: String) {
        appendVarint(UInt64(text.utf8.count))
        append(contentsOf: text.utf8)
    }

    mutating func appendStamp(_ stamp: WriteStamp) {
        appendUInt64(stamp.time.rawValue)
        appendString(stamp.region.name)
    }

    mutating func appendOptionalStamp(_ stamp: WriteStamp?) {
        if let stamp { appendStamp(stamp) } else { appendUInt64(0); append(0) }
    }
}
