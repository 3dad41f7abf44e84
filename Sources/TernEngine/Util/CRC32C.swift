import CTernSupport

/// CRC32C (Castagnoli), the checksum of every WAL record, SSTable block and manifest record.
///
/// Stored checksums are *masked* (rotated and offset, as LevelDB does) so that a CRC computed over
/// bytes that themselves embed a CRC does not degenerate.
public enum CRC32C {
    /// The CRC32C of `bytes`, continuing from `crc` (the finished CRC of the bytes before them).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, extending crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return tern_crc32c_extend(crc, base, bytes.count)
    }

    /// The CRC32C of `bytes`, continuing from `crc`.
    @inlinable
    public static func checksum(_ bytes: [UInt8], extending crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, extending: crc) }
    }

    static let maskDelta: UInt32 = 0xA282_EAD8

    /// The stored form of a CRC: rotate right by 15 bits, then add a constant.
    @inlinable
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// Inverse of `mask`.
    @inlinable
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- 0xA282_EAD8
        return (rotated >> 17) | (rotated << 15)
    }
}
