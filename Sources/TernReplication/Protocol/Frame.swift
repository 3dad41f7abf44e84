import TernEngine

/// The kinds of frame the peer protocol has (`docs/formats/replication.md`).
public enum FrameType: UInt8, Sendable, Hashable, CaseIterable {
    case hello = 1
    case challenge = 2
    case proof = 3
    case welcome = 4
    case changes = 5
    case ack = 6
    case nack = 7
    case heartbeat = 8
    case refusal = 9
    case aeLeaves = 16
    case aeVersions = 17
    case aeRepair = 18
    case aeDone = 19
}

/// One frame: a type and its payload. On the wire (all integers big-endian):
///
/// ```
/// frame  = length:4 version:1 type:1 payload crc:4
/// length = 6 + |payload|                        ; the bytes after the length field
/// crc    = masked CRC32C of version, type and payload (as the WAL masks it)
/// ```
///
/// Frames are written back to back on a TCP connection; many are batched into one socket write.
public struct Frame: Sendable, Hashable {
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// The largest frame accepted (length field), so a garbage length cannot make a reader
    /// buffer gigabytes.
    public static let maxLength = 16 << 20
    /// Bytes of the length field.
    public static let lengthFieldBytes = 4

    public var type: FrameType
    public var payload: [UInt8]

    public init(type: FrameType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// Appends the frame's bytes to `bytes`.
    public func encode(into bytes: inout [UInt8]) {
        bytes.appendUInt32(UInt32(6 + payload.count))
        let start = bytes.count
        bytes.append(Frame.version)
        bytes.append(type.rawValue)
        bytes.append(contentsOf: payload)
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        bytes.appendUInt32(CRC32C.mask(crc))
    }

    /// The frame's bytes.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 10)
        encode(into: &bytes)
        return bytes
    }

    /// Decodes the frame body (what follows the length field): version, type, payload, CRC.
    ///
    /// - Throws: `ProtocolError` `.version` for another version, `.malformed` for a bad checksum,
    ///   an unknown type or a body shorter than 6 bytes.
    public static func decode(body: UnsafeRawBufferPointer) throws(ProtocolError) -> Frame {
        guard body.count >= 6 else { throw .malformed("a frame of \(body.count) bytes is shorter than its header and checksum") }
        let stored = body.loadBigEndianUInt32(at: body.count - 4)
        let computed = CRC32C.mask(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: body[0..<(body.count - 4)])))
        guard stored == computed else { throw .malformed("a frame's checksum does not match (stored \(stored), computed \(computed))") }
        guard body[0] == version else {
            throw ProtocolError(.version, "a frame of protocol version \(body[0]); this node speaks version \(version)")
        }
        guard let type = FrameType(rawValue: body[1]) else { throw .malformed("unknown frame type \(body[1])") }
        return Frame(type: type, payload: Array(body[2..<(body.count - 4)]))
    }

    /// Splits complete frames off the front of `buffer` (consumed bytes are removed), leaving a
    /// partial frame in place.
    ///
    /// - Throws: `ProtocolError` for a length over `maxLength` or a bad frame; the connection is
    ///   then dropped.
    public static func split(_ buffer: inout [UInt8]) throws(ProtocolError) -> [Frame] {
        var frames: [Frame] = []
        var offset = 0
        while buffer.count - offset >= lengthFieldBytes {
            let length = buffer.withUnsafeBytes { Int($0.loadBigEndianUInt32(at: offset)) }
            guard length <= maxLength else { throw .malformed("a frame length of \(length) bytes exceeds the limit of \(maxLength)") }
            guard buffer.count - offset - lengthFieldBytes >= length else { break }
            let start = offset + lengthFieldBytes
            let decoded = buffer.withUnsafeBytes { raw in
                Result { () throws(ProtocolError) in try decode(body: UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])) }
            }
            frames.append(try decoded.get())
            offset = start + length
        }
        if offset > 0 { buffer.removeFirst(offset) }
        return frames
    }
}

extension UnsafeRawBufferPointer {
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in offset..<(offset + 4) { value = value << 8 | UInt32(self[index]) }
        return value
    }
}
