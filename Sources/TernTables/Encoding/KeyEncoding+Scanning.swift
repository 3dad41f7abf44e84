extension KeyEncoding {
    /// The length of the encoded element starting at `offset` in `bytes`, found without decoding
    /// it (strings and binaries end at an unescaped 0x00, numbers at their terminator), or nil when
    /// the bytes end first or hold an unknown type code.
    ///
    /// - Complexity: O(element length); no allocation. Used on the read path to find where the
    ///   partition element ends (Scan segments) without materializing it.
    static func elementLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let code = bytes[offset]
        var index = offset + 1
        switch code {
        case binaryCode, stringCode:
            while index < bytes.count {
                if bytes[index] == 0x00 {
                    if index + 1 < bytes.count, bytes[index + 1] == 0xFF {
                        index += 2
                        continue
                    }
                    return index + 1 - offset
                }
                index += 1
            }
            return nil
        case zeroCode:
            return 1
        case positiveNumberCode, negativeNumberCode:
            let terminator: UInt8 = code == positiveNumberCode ? 0x00 : 0xFF
            index += 1  // exponent byte
            while index < bytes.count {
                if bytes[index] == terminator { return index + 1 - offset }
                index += 1
            }
            return nil
        default:
            return nil
        }
    }
}
