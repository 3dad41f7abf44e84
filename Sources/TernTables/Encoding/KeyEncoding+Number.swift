import TernEngine

/// Numbers: `code, exponent byte, digit-pair bytes..., terminator`.
///
/// A positive number writes 0x15, then `adjustedExponent + 130` (0...255 covers -130...125), then
/// its significant digits two at a time as `10 × first + second + 1` (1...100; an odd last digit is
/// paired with 0), then 0x00. Equal exponents compare digit by digit, and because the terminator is
/// below every pair byte, a shorter digit string (a smaller number, as trailing digits are non-zero)
/// sorts first. A negative number writes 0x13 and the bitwise complement (255 - x) of every byte
/// after it, terminator included (0xFF), which reverses the order of magnitudes. Zero is 0x14 alone.
extension KeyEncoding {
    static let exponentBias = 130

    static func appendNumber(_ number: Number, to bytes: inout [UInt8]) {
        if number.isZero {
            bytes.append(zeroCode)
            return
        }
        let invert: UInt8 = number.isNegative ? 0xFF : 0x00
        bytes.append(number.isNegative ? negativeNumberCode : positiveNumberCode)
        bytes.append(UInt8(number.adjustedExponent + exponentBias) ^ invert)
        // Digits most significant first: left-align the coefficient to 38 digits, then peel pairs.
        let digitCount = number.significantDigitCount
        var aligned = number.coefficient * Number.powersOfTen[38 - digitCount]
        let pairCount = (digitCount + 1) / 2
        for pairIndex in 0..<pairCount {
            let divisor = Number.powersOfTen[36 - 2 * pairIndex]
            let pair = aligned / divisor
            aligned %= divisor
            bytes.append((UInt8(pair) + 1) ^ invert)
        }
        bytes.append(0x00 ^ invert)
    }

    static func readNumber(_ bytes: [UInt8], offset: inout Int) throws -> Number {
        let start = offset
        let isNegative = bytes[offset] == negativeNumberCode
        let invert: UInt8 = isNegative ? 0xFF : 0x00
        offset += 1
        guard offset < bytes.count else { throw corrupt("number key element ends after its type code", start) }
        let adjustedExponent = Int(bytes[offset] ^ invert) - exponentBias
        offset += 1
        var coefficient: UInt128 = 0
        var digitCount = 0
        while true {
            guard offset < bytes.count else { throw corrupt("unterminated number key element", start) }
            let byte = bytes[offset] ^ invert
            offset += 1
            if byte == 0x00 { break }
            guard byte <= 100, digitCount < Number.maxSignificantDigits else {
                throw corrupt("bad digit pair in number key element", offset - 1)
            }
            coefficient = coefficient * 100 + UInt128(byte - 1)
            digitCount += 2
        }
        guard digitCount > 0 else { throw corrupt("number key element without digits", start) }
        // The last pair of an odd digit count carries a padding zero; canonical digits never end in 0.
        if coefficient % 10 == 0 {
            coefficient /= 10
            digitCount -= 1
        }
        let exponent = adjustedExponent - (digitCount - 1)
        guard digitCount == Number.digitCount(coefficient),
            let number = Number(coefficient: coefficient, exponent: exponent, isNegative: isNegative)
        else {
            throw corrupt("non-canonical number key element", start)
        }
        return number
    }
}
