extension Number {
    /// The exact sum `self + other`.
    ///
    /// - Throws: `ValidationException` when the exact result needs more than 38 significant digits
    ///   or leaves the supported range. DynamoDB reports both with its overflow message ("Number
    ///   overflow. Attempting to store a number with magnitude larger than supported range"), so
    ///   `1E50 + 1` fails rather than being rounded.
    public func adding(_ other: Number) throws(DynamoError) -> Number {
        if other.isZero { return self }
        if isZero { return other }
        // Align both coefficients to the smaller exponent. The lowest non-zero digit of the exact
        // sum then sits at that exponent, so a shift of 39 or more means at least 39 significant
        // digits: reject before computing anything wide.
        let exponent = Swift.min(self.exponent, other.exponent)
        let selfShift = self.exponent - exponent
        let otherShift = other.exponent - exponent
        guard selfShift <= Number.maxSignificantDigits, otherShift <= Number.maxSignificantDigits else {
            throw Number.overflowError
        }
        let selfWide = WideUInt(coefficient, timesPowerOfTen: selfShift)
        let otherWide = WideUInt(other.coefficient, timesPowerOfTen: otherShift)
        let magnitude: WideUInt
        let negative: Bool
        if isNegative == other.isNegative {
            magnitude = selfWide.adding(otherWide)
            negative = isNegative
        } else if selfWide == otherWide {
            return .zero
        } else if otherWide < selfWide {
            magnitude = selfWide.subtracting(otherWide)
            negative = isNegative
        } else {
            magnitude = otherWide.subtracting(selfWide)
            negative = other.isNegative
        }
        return try Number.normalized(magnitude, exponent: exponent, isNegative: negative)
    }

    /// The exact difference `self - other`; throws like `adding(_:)`.
    public func subtracting(_ other: Number) throws(DynamoError) -> Number {
        try adding(other.negated)
    }

    /// Strips trailing zeros from a wide magnitude and checks digits and range.
    private static func normalized(_ magnitude: WideUInt, exponent: Int, isNegative: Bool) throws(DynamoError) -> Number {
        var magnitude = magnitude
        var exponent = exponent
        while true {
            let (quotient, remainder) = magnitude.dividedByTen()
            if remainder != 0 { break }
            magnitude = quotient
            exponent += 1
        }
        guard magnitude.high == 0, magnitude.low < powersOfTen[38] else { throw overflowError }
        guard let number = Number(coefficient: magnitude.low, exponent: exponent, isNegative: isNegative) else {
            throw exponent > 0 ? overflowError : underflowError
        }
        return number
    }
}

/// A 256-bit unsigned integer, just wide enough for two aligned 38-digit coefficients
/// (each below 10^76, their sum below 2^256).
struct WideUInt: Equatable, Comparable {
    var high: UInt128
    var low: UInt128

    init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    /// `value × 10^power`; requires `value < 10^38` and `power <= 38`.
    init(_ value: UInt128, timesPowerOfTen power: Int) {
        let product = value.multipliedFullWidth(by: Number.powersOfTen[power])
        self.init(high: product.high, low: product.low)
    }

    func adding(_ other: WideUInt) -> WideUInt {
        let (low, carry) = low.addingReportingOverflow(other.low)
        return WideUInt(high: high &+ other.high &+ (carry ? 1 : 0), low: low)
    }

    /// `self - other`; requires `other <= self`.
    func subtracting(_ other: WideUInt) -> WideUInt {
        let (low, borrow) = low.subtractingReportingOverflow(other.low)
        return WideUInt(high: high &- other.high &- (borrow ? 1 : 0), low: low)
    }

    func dividedByTen() -> (quotient: WideUInt, remainder: UInt128) {
        let highQuotient = high / 10
        let highRemainder = high % 10
        let (lowQuotient, remainder) = UInt128(10).dividingFullWidth((high: highRemainder, low: low))
        return (WideUInt(high: highQuotient, low: lowQuotient), remainder)
    }

    static func < (lhs: WideUInt, rhs: WideUInt) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }
}
