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
