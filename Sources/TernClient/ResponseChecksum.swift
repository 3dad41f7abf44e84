/// DynamoDB's response checksum: `x-amz-crc32`, the CRC-32 (IEEE 802.3, zlib's) of the
/// response body as a decimal number. The AWS SDKs check it and retry on a mismatch; so does
/// the client, so a response damaged on the way is never decoded. Endpoints that do not send the
/// header (a Tern node, moto) are not checked.
enum ResponseChecksum {
    /// The header's name.
    static let header = "x-amz-crc32"

    /// CRC-32 of `bytes` (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF).
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// Whether `body` matches the header's value (a value that is not a number does not).
    static func matches(_ body: [UInt8], header value: String) -> Bool {
        UInt32(value) == crc32(body)
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
