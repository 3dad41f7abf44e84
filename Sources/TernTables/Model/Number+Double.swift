extension Number {
    /// Exact powers of ten as doubles: 10^0 ... 10^22 are all representable.
    private static let exactDoublePowers: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// The nearest `Double` (correctly rounded), for geometry; never used for stored numbers.
    ///
    /// Coefficients below 2^53 with exponents within ±22 take the exact fast path (one correctly
    /// rounded multiplication or division of two exact doubles); anything else goes through the
    /// standard library's correctly rounded text parser.
    public var doubleValue: Double {
        if isZero { return 0 }
        let magnitude: Double
        if coefficient < (1 << 53), exponent >= -22, exponent <= 22 {
            let digits = Double(UInt64(coefficient))
            let power = Number.exactDoublePowers[abs(exponent)]
            magnitude = exponent >= 0 ? digits * power : digits / power
        } else {
            magnitude = Double(String(coefficient) + "e" + String(exponent)) ?? .nan
        }
        return isNegative ? -magnitude : magnitude
    }
}

extension Number {
    /// The number whose value is exactly `value`, or nil when there is none: NaN and infinities,
    /// magnitudes outside DynamoDB's range, and binary fractions whose exact decimal expansion
    /// needs more than 38 significant digits (`0.1` is such a double: its exact value is
    /// 0.1000000000000000055511151231257827…). `0.5`, `1.25`, `3.0` and `2^-30` convert.
    ///
    /// Use it where the stored number must be the double itself; `Number(_:)` gives the short
    /// decimal a person wrote instead.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        if value == 0 {
            self = .zero
            return
        }
        // value = ±significand × 2^binaryExponent with an odd integer significand below 2^53.
        var magnitude = value.magnitude
        var binaryExponent = 0
        while magnitude >= 9_007_199_254_740_992 {  // 2^53: larger doubles are even integers
            magnitude /= 2
            binaryExponent += 1
        }
        while magnitude != magnitude.rounded(.towardZero) {
            magnitude *= 2
            binaryExponent -= 1
        }
        var significand = UInt128(UInt64(magnitude))
        while significand % 2 == 0 {
            significand /= 2
            binaryExponent += 1
        }
        let coefficient: UInt128
        let decimalExponent: Int
        if binaryExponent < 0 {
            // s × 2^-k = s × 5^k × 10^-k, and s × 5^k (odd, ends in 5) has no trailing zero.
            var product = significand
            for _ in 0..<(-binaryExponent) {
                let (next, overflow) = product.multipliedReportingOverflow(by: 5)
                guard !overflow, next < Number.powersOfTen[38] else { return nil }
                product = next
            }
            coefficient = product
            decimalExponent = binaryExponent
        } else {
            // s × 2^k: trailing decimal zeros pair each factor 5 of s with a factor 2.
            var odd = significand
            var zeros = 0
            while zeros < binaryExponent, odd % 5 == 0 {
                odd /= 5
                zeros += 1
            }
            var product = odd
            for _ in 0..<(binaryExponent - zeros) {
                let (next, overflow) = product.multipliedReportingOverflow(by: 2)
                guard !overflow, next < Number.powersOfTen[38] else { return nil }
                product = next
            }
            coefficient = product
            decimalExponent = zeros
        }
        self.init(coefficient: coefficient, exponent: decimalExponent, isNegative: value < 0)
    }

    /// The shortest decimal that reads back as `value` (what `print(value)` shows: `0.1` gives
    /// 0.1, `1e-5` gives 0.00001); the conversion `ItemEncoder` uses for `Double` properties.
    ///
    /// - Throws: `ValidationException` for NaN, infinities, and magnitudes outside DynamoDB's
    ///   range (above 9.99…E+125 or below 1E-130).
    public init(_ value: Double) throws(DynamoError) {
        try self.init(value.description)
    }
}
