/// A DynamoDB number (`N`): an exact decimal of up to 38 significant digits.
///
/// The value is `(isNegative ? -1 : 1) × coefficient × 10^exponent`, kept canonical: the
/// coefficient has no trailing zero digit, and zero is `0 × 10^0`, never negative. Because the form
/// is canonical, `==` and `hash` are structural and agree with numeric equality (`1.50 == 1.5`).
///
/// The magnitude of a non-zero number is within `1E-130 ... 9.9999999999999999999999999999999999999E+125`:
/// the position of its most significant digit (`adjustedExponent`) is in `-130 ... 125`. No binary
/// floating point is used anywhere: parsing, printing, comparison and arithmetic are exact.
///
/// Printing (`description`) gives plain digits, never exponent notation, as DynamoDB returns numbers:
/// `1E2` prints `100`, `1E-3` prints `0.001`, and `1E125` prints a 1 followed by 125 zeros.
public struct Number: Sendable, Hashable {
    /// The most significant digits a number may have.
    public static let maxSignificantDigits = 38
    /// The largest position of the most significant digit (magnitude below 1E+126).
    public static let maxAdjustedExponent = 125
    /// The smallest position of the most significant digit (magnitude at least 1E-130).
    public static let minAdjustedExponent = -130

    /// The significant digits as an integer: below 10^38, without trailing zeros (zero only for 0).
    public let coefficient: UInt128
    /// The power of ten the coefficient is scaled by.
    public let exponent: Int
    /// True for negative numbers; false for zero.
    public let isNegative: Bool
    /// How many decimal digits `coefficient` has (0 for zero).
    public let significantDigitCount: Int

    /// Zero.
    public static let zero = Number(uncheckedCoefficient: 0, exponent: 0, isNegative: false)

    /// Builds a number from parts already known to be canonical and in range.
    init(uncheckedCoefficient coefficient: UInt128, exponent: Int, isNegative: Bool) {
        self.coefficient = coefficient
        self.exponent = exponent
        self.isNegative = isNegative
        self.significantDigitCount = Number.digitCount(coefficient)
        assert(coefficient < Number.powersOfTen[38])
        assert(coefficient == 0 ? (exponent == 0 && !isNegative) : coefficient % 10 != 0)
    }

    /// Builds a number from parts, or returns `nil` when they are not canonical or out of range.
    ///
    /// Decoders use this to reject corrupt input instead of trusting it.
    public init?(coefficient: UInt128, exponent: Int, isNegative: Bool) {
        if coefficient == 0 {
            guard exponent == 0, !isNegative else { return nil }
            self = .zero
            return
        }
        guard coefficient < Number.powersOfTen[38], coefficient % 10 != 0 else { return nil }
        // Out of range long before `exponent + digits` could overflow near Int.max or Int.min.
        guard exponent.magnitude <= 1_000 else { return nil }
        let adjusted = exponent + Number.digitCount(coefficient) - 1
        guard adjusted <= Number.maxAdjustedExponent, adjusted >= Number.minAdjustedExponent else { return nil }
        self.init(uncheckedCoefficient: coefficient, exponent: exponent, isNegative: isNegative)
    }

    /// The number equal to `value`.
    public init(_ value: Int) {
        var magnitude = UInt128(value.magnitude)
        var exponent = 0
        while magnitude != 0, magnitude % 10 == 0 {
            magnitude /= 10
            exponent += 1
        }
        self.init(uncheckedCoefficient: magnitude, exponent: magnitude == 0 ? 0 : exponent, isNegative: value < 0)
    }

    /// True for zero.
    public var isZero: Bool { coefficient == 0 }

    /// The position of the most significant digit: 0 for 1...9.99, 2 for 100, -1 for 0.5.
    /// Meaningless for zero (returns `exponent`).
    public var adjustedExponent: Int { exponent + max(significantDigitCount, 1) - 1 }

    /// The same magnitude with the opposite sign (zero stays zero).
    public var negated: Number {
        isZero ? self : Number(uncheckedCoefficient: coefficient, exponent: exponent, isNegative: !isNegative)
    }

    /// The storage size DynamoDB charges for this number: one byte per two significant digits,
    /// plus one.
    public var storageSizeBytes: Int { (significantDigitCount + 1) / 2 + 1 }

    /// 10^0 ... 10^38; every coefficient is below the last.
    static let powersOfTen: [UInt128] = {
        var powers: [UInt128] = [1]
        for _ in 1...38 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// The number of decimal digits of `value` (0 for 0).
    static func digitCount(_ value: UInt128) -> Int {
        guard value != 0 else { return 0 }
        // floor(bits × log10 2) is the digit count or one less (1233 / 4096 ≈ log10 2): start
        // there instead of walking the powers from 10^0 (every decoded number computes this).
        let bits = 128 - value.leadingZeroBitCount
        var count = (bits * 1233) >> 12
        let powers = powersOfTen
        while count < 39, count < powers.count, powers[count] <= value { count += 1 }
        return count
    }
}

extension Number: Comparable {
    /// Numeric order.
    public static func < (lhs: Number, rhs: Number) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// -1, 0 or 1 as `lhs` is less than, equal to or greater than `rhs` numerically.
    public static func compare(_ lhs: Number, _ rhs: Number) -> Int {
        let lhsSign = lhs.signum
        let rhsSign = rhs.signum
        if lhsSign != rhsSign { return lhsSign < rhsSign ? -1 : 1 }
        if lhsSign == 0 { return 0 }
        let magnitudeOrder = compareMagnitudes(lhs, rhs)
        return lhsSign > 0 ? magnitudeOrder : -magnitudeOrder
    }

    /// -1, 0 or 1: the sign of the number.
    public var signum: Int { isZero ? 0 : (isNegative ? -1 : 1) }

    /// Compares |lhs| with |rhs| for two non-zero numbers.
    static func compareMagnitudes(_ lhs: Number, _ rhs: Number) -> Int {
        let lhsAdjusted = lhs.adjustedExponent
        let rhsAdjusted = rhs.adjustedExponent
        if lhsAdjusted != rhsAdjusted { return lhsAdjusted < rhsAdjusted ? -1 : 1 }
        // Same leading position: align both coefficients to 38 digits; both stay below 10^38.
        let lhsAligned = lhs.coefficient * powersOfTen[38 - lhs.significantDigitCount]
        let rhsAligned = rhs.coefficient * powersOfTen[38 - rhs.significantDigitCount]
        return lhsAligned == rhsAligned ? 0 : (lhsAligned < rhsAligned ? -1 : 1)
    }
}

extension Number: CustomStringConvertible {
    /// The canonical text: plain digits, no exponent, no leading or trailing zeros
    /// (`1.5`, `7`, `-0.1`, `100`, `0.001`).
    public var description: String {
        if isZero { return "0" }
        let digits = String(coefficient)
        var text = isNegative ? "-" : ""
        if exponent >= 0 {
            text += digits
            text += String(repeating: "0", count: exponent)
        } else {
            let integerDigitCount = digits.utf8.count + exponent
            if integerDigitCount > 0 {
                let split = digits.index(digits.startIndex, offsetBy: integerDigitCount)
                text += digits[..<split]
                text += "."
                text += digits[split...]
            } else {
                text += "0."
                text += String(repeating: "0", count: -integerDigitCount)
                text += digits
            }
        }
        return text
    }
}
