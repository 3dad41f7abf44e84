import TernEngine

/// The order-preserving encoding of key values into bytes, modelled on FoundationDB's tuple layer.
///
/// `memcmp` order of encoded keys equals DynamoDB's key order: strings by UTF-8 bytes, binaries by
/// unsigned bytes, numbers by value. Every element is self-delimiting and no encoding is a proper
/// prefix of another, so `[partition][sort]` concatenations sort by partition first and keep all
/// sort keys of one partition contiguous and ordered. The byte grammar, test vectors and the
/// reasoning are in `docs/formats/key-encoding.md`.
///
/// The format version is not written into keys (a byte per key would buy nothing); it belongs in the
/// table's metadata, and a change to this encoding must bump `formatVersion`.
package enum KeyEncoding {
    /// The version of this encoding. Bump it on any change to the bytes produced.
    package static let formatVersion = 1

    /// Type code of a binary (`B`) element.
    static let binaryCode: UInt8 = 0x01
    /// Type code of a string (`S`) element.
    static let stringCode: UInt8 = 0x02
    /// Type code of a negative number.
    static let negativeNumberCode: UInt8 = 0x13
    /// Type code of zero.
    static let zeroCode: UInt8 = 0x14
    /// Type code of a positive number.
    static let positiveNumberCode: UInt8 = 0x15

    /// Appends the encoding of `value` to `bytes`.
    ///
    /// - Complexity: O(n) in the value's length; no allocation beyond `bytes`' growth.
    package static func append(_ value: KeyValue, to bytes: inout [UInt8]) {
        switch value {
        case .binary(let payload):
            bytes.append(binaryCode)
            appendEscaped(payload, to: &bytes)
            bytes.append(0x00)
        case .string(let string):
            bytes.append(stringCode)
            appendEscaped(string.utf8, to: &bytes)
            bytes.append(0x00)
        case .number(let number):
            appendNumber(number, to: &bytes)
        }
    }

    /// The encoding of one key value.
    package static func encode(_ value: KeyValue) -> [UInt8] {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return bytes
    }

    /// The encoding of a primary key: `[partition][sort]` (just `[partition]` without a sort key).
    package static func encode(_ key: PrimaryKey) -> [UInt8] {
        var bytes: [UInt8] = []
        append(key.partition, to: &bytes)
        if let sort = key.sort { append(sort, to: &bytes) }
        return bytes
    }

    /// The bytes every key of `partition` starts with, and the first byte string after all of them:
    /// a scan of `lower ..< upper` visits exactly that partition's keys, in sort-key order.
    package static func partitionRange(_ partition: KeyValue) -> (lower: [UInt8], upper: [UInt8]) {
        let lower = encode(partition)
        // Every sort element starts with a type code below 0xFF, so `lower + [0xFF]` is above them all.
        return (lower, lower + [0xFF])
    }

    /// The encoded form shared by every string or binary key that begins with `prefix` (for
    /// `begins_with`): the type code and escaped bytes, without the terminator. Numbers have no
    /// such prefix; passing one traps.
    package static func encodedPrefix(_ prefix: KeyValue) -> [UInt8] {
        var bytes: [UInt8] = []
        switch prefix {
        case .binary(let payload):
            bytes.append(binaryCode)
            appendEscaped(payload, to: &bytes)
        case .string(let string):
            bytes.append(stringCode)
            appendEscaped(string.utf8, to: &bytes)
        case .number:
            preconditionFailure("begins_with has no meaning for numbers")
        }
        return bytes
    }

    /// The smallest byte string greater than every string that starts with `prefix`, or `nil` when
    /// there is none (an empty or all-0xFF prefix).
    package static func prefixUpperBound(_ prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }

    /// Decodes one element starting at `offset`, advancing `offset` past it.
    ///
    /// - Throws: `TernError` `.corruption` for truncated or malformed bytes; never traps.
    package static func decodeElement(_ bytes: [UInt8], offset: inout Int) throws -> KeyValue {
        guard offset < bytes.count else { throw corrupt("key ends before an element", offset) }
        let code = bytes[offset]
        switch code {
        case binaryCode:
            offset += 1
            return .binary(try readEscaped(bytes, offset: &offset))
        case stringCode:
            let start = offset
            offset += 1
            guard let string = String(validating: try readEscaped(bytes, offset: &offset), as: UTF8.self) else {
                throw corrupt("string key element is not valid UTF-8", start)
            }
            return .string(string)
        case zeroCode:
            offset += 1
            return .number(.zero)
        case negativeNumberCode, positiveNumberCode:
            return .number(try readNumber(bytes, offset: &offset))
        default:
            throw corrupt("unknown key type code \(code)", offset)
        }
    }

    /// Decodes a whole primary key: one element, or two when `hasSortKey`, and nothing after.
    ///
    /// - Throws: `TernError` `.corruption` for malformed bytes or trailing garbage.
    package static func decodeKey(_ bytes: [UInt8], hasSortKey: Bool) throws -> PrimaryKey {
        var offset = 0
        let partition = try decodeElement(bytes, offset: &offset)
        let sort = hasSortKey ? try decodeElement(bytes, offset: &offset) : nil
        guard offset == bytes.count else { throw corrupt("\(bytes.count - offset) bytes after the key", offset) }
        return PrimaryKey(partition: partition, sort: sort)
    }

    // MARK: - Strings and binaries

    /// Writes `payload` with each 0x00 escaped as 0x00 0xFF, so the 0x00 terminator sorts a
    /// proper prefix before its extensions.
    private static func appendEscaped(_ payload: some Sequence<UInt8>, to bytes: inout [UInt8]) {
        for byte in payload {
            bytes.append(byte)
            if byte == 0x00 { bytes.append(0xFF) }
        }
    }

    private static func readEscaped(_ bytes: [UInt8], offset: inout Int) throws -> [UInt8] {
        var payload: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte != 0x00 {
                payload.append(byte)
            } else if offset < bytes.count, bytes[offset] == 0xFF {
                payload.append(0x00)
                offset += 1
            } else {
                return payload
            }
        }
        throw corrupt("unterminated string or binary key element", offset)
    }

    static func corrupt(_ message: String, _ offset: Int) -> TernError {
        TernError(.corruption, "key encoding: \(message)", offset: offset)
    }
}
