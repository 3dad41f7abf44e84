extension Number {
    /// Parses DynamoDB's number syntax: `[+|-] digits [. digits] [(e|E) [+|-] digits]`, where either
    /// side of the point may be empty but not both (`.5`, `5.`, `+3`, `01.500`, `1E2`, `2e-1`).
    ///
    /// Leading and trailing zeros are not significant, so `1.50`, `01.500` and `1.5` are the same
    /// number. No whitespace, `NaN`, `Infinity` or hexadecimal is accepted.
    ///
    /// - Throws: `ValidationException` with DynamoDB's message when the text is not a number, has
    ///   more than 38 significant digits, or its magnitude is above 9.99...E+125 (overflow) or below
    ///   1E-130 (underflow).
    /// - Complexity: O(n) in the length of `text`.
    public init(_ text: String) throws(DynamoError) {
        let result = text.utf8.withContiguousStorageIfAvailable { bytes in NumberScanner.scan(bytes) }
            ?? NumberScanner.scan(Array(text.utf8))
        switch result {
        case .notANumber:
            throw Number.notANumberError(text)
        case .tooManyDigits:
            throw Number.tooManyDigitsError
        case .number(let coefficient, let exponent, let isNegative, let digitCount):
            if coefficient == 0 {
                self = .zero
                return
            }
            let adjusted = exponent + digitCount - 1
            if adjusted > Number.maxAdjustedExponent { throw Number.overflowError }
            if adjusted < Number.minAdjustedExponent { throw Number.underflowError }
            self.init(uncheckedCoefficient: coefficient, exponent: exponent, isNegative: isNegative)
        }
    }

    static func notANumberError(_ text: String) -> DynamoError {
        text.isEmpty
            ? .validation("The parameter cannot be converted to a numeric value")
            : .validation("The parameter cannot be converted to a numeric value: \(text)")
    }

    static let tooManyDigitsError = DynamoError.validation("Attempting to store more than 38 significant digits in a Number")
    static let overflowError = DynamoError.validation(
        "Number overflow. Attempting to store a number with magnitude larger than supported range")
    static let underflowError = DynamoError.validation(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range")
}

/// A one-pass scanner over the UTF-8 bytes of a number literal.
struct NumberScanner {
    enum Result {
        case notANumber
        case tooManyDigits
        /// `exponent` is saturated to ±1_000_000_000 so absurd exponents cannot overflow `Int`.
        case number(coefficient: UInt128, exponent: Int, isNegative: Bool, digitCount: Int)
    }

    private static let exponentLimit = 1_000_000_000

    static func scan(_ bytes: some RandomAccessCollection<UInt8>) -> Result {
        var index = bytes.startIndex
        var isNegative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            isNegative = bytes[index] == UInt8(ascii: "-")
            bytes.formIndex(after: &index)
        }
        var coefficient: UInt128 = 0
        var significantCount = 0
        var pendingZeros = 0  // zeros after the last non-zero digit, not yet folded into the coefficient
        var mantissaDigitCount = 0
        var fractionDigitCount = 0
        var seenPoint = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if seenPoint { return .notANumber }
                seenPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                mantissaDigitCount += 1
                if seenPoint { fractionDigitCount += 1 }
                let digit = byte - UInt8(ascii: "0")
                if digit == 0 {
                    if significantCount > 0 { pendingZeros += 1 }
                } else {
                    if significantCount + pendingZeros + 1 > Number.maxSignificantDigits { return .tooManyDigits }
                    for _ in 0..<pendingZeros { coefficient *= 10 }
                    significantCount += pendingZeros + 1
                    pendingZeros = 0
                    coefficient = coefficient * 10 + UInt128(digit)
                }
            } else {
                break
            }
            bytes.formIndex(after: &index)
        }
        guard mantissaDigitCount > 0 else { return .notANumber }
        var writtenExponent = 0
        if index < bytes.endIndex {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return .notANumber }
            bytes.formIndex(after: &index)
            var exponentNegative = false
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                bytes.formIndex(after: &index)
            }
            var exponentDigitCount = 0
            while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let digit = Int(bytes[index] - UInt8(ascii: "0"))
                writtenExponent = min(writtenExponent * 10 + digit, exponentLimit)
                exponentDigitCount += 1
                bytes.formIndex(after: &index)
            }
            guard exponentDigitCount > 0, index == bytes.endIndex else { return .notANumber }
            if exponentNegative { writtenExponent = -writtenExponent }
        }
        if coefficient == 0 {
            return .number(coefficient: 0, exponent: 0, isNegative: false, digitCount: 0)
        }
        let exponent = writtenExponent + pendingZeros - fractionDigitCount
        return .number(coefficient: coefficient, exponent: exponent, isNegative: isNegative, digitCount: significantCount)
    }
}
