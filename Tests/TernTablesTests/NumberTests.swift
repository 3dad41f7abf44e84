import Testing
@testable import TernTables

@Suite struct NumberTests {
    /// The digit count (estimated from the bit length, then corrected) equals the decimal
    /// length at every power of ten and its neighbours, and for random values.
    @Test func digitCountMatchesTheDecimalLength() {
        var power: UInt128 = 1
        for exponent in 0...38 {
            for value in [power - 1, power, power + 1] where value > 0 {
                #expect(Number.digitCount(value) == String(value).count, "\(value)")
            }
            if exponent < 38 { power *= 10 }
        }
        #expect(Number.digitCount(0) == 0)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = UInt128(random.next() as UInt64) << UInt128(Int.random(in: 0...62)) % (power - 1) + 1
            #expect(Number.digitCount(value) == String(value).count, "\(value)")
        }
    }

    // MARK: Rule 14: 38 significant digits exactly; range; non-numbers rejected.

    @Test func rule14_thirtyEightDigitsRoundTripExactly() throws {
        for text in ["12345678901234567890123456789012345678", "-12345678901234567890123456789012345678",
                     "0.12345678901234567890123456789012345678", "3.1415926535897932384626433832795028841",
                     "31415926535897932384626433832795028841E30"] {
            let number = try Number(text)
            #expect(number.significantDigitCount == 38)
            #expect(try Number(number.description) == number)
        }
        #expect(try Number("12345678901234567890123456789012345678").description == "12345678901234567890123456789012345678")
        #expect(try Number("0.12345678901234567890123456789012345678").description == "0.12345678901234567890123456789012345678")
    }

    @Test(arguments: ["1234567890123456789012345678901234567891", "3.14159265358979323846264338327950288419",
                      "314159265358979323846264338327950288419e30", "1.00000000000000000000000000000000000000001"])
    func rule14_moreThan38SignificantDigitsRejected(text: String) {
        let error = dynamoError { _ = try Number(text) }
        #expect(error?.code == .validation)
        #expect(error?.message == "Attempting to store more than 38 significant digits in a Number")
    }

    @Test func rule14_trailingAndLeadingZerosAreNotSignificant() throws {
        // 45 written digits, 2 significant.
        #expect(try Number("000000000000000000001.500000000000000000000000") == Number("1.5"))
        #expect(try Number("1" + String(repeating: "0", count: 60)).description == "1" + String(repeating: "0", count: 60))
    }

    @Test(arguments: ["1E126", "-1E126", "11E125", "9.99999999999999999999999999999999999999E+125"])
    func rule14_magnitudeAboveRangeRejected(text: String) {
        let error = dynamoError { _ = try Number(text) }
        #expect(error?.message == "Number overflow. Attempting to store a number with magnitude larger than supported range"
            || error?.message == "Attempting to store more than 38 significant digits in a Number")
        #expect(error?.code == .validation)
    }

    @Test(arguments: ["1E-131", "-1E-131", "0.9E-130", "1e-999999999999"])
    func rule14_magnitudeBelowRangeRejected(text: String) {
        let error = dynamoError { _ = try Number(text) }
        #expect(error?.message == "Number underflow. Attempting to store a number with magnitude smaller than supported range")
    }

    @Test(arguments: ["9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
                      "1E-130", "-1E-130", "1E125", "0e1000", "0E-99999999999999999999"])
    func rule14_rangeBoundsAccepted(text: String) throws {
        let number = try Number(text)
        #expect(try Number(number.description) == number)
    }

    @Test(arguments: ["abc", "1.2.3", "", "0x10", "NaN", "Infinity", "-Infinity", "-NaN", " 1", "1 ", "+", "-", ".",
                      "1e", "1e+", "e5", "1..2", "--1", "+-1", "1,5", "١", "1_000"])
    func rule14_nonNumbersRejected(text: String) {
        let error = dynamoError { _ = try Number(text) }
        #expect(error?.code == .validation)
        #expect(error?.message.hasPrefix("The parameter cannot be converted to a numeric value") == true)
    }

    @Test(arguments: [("+5", "5"), (".123", "0.123"), ("5.", "5"), ("1e+5", "100000"), ("-17.4E37", "-174" + String(repeating: "0", count: 36)),
                      ("0001.23", "1.23"), ("-0", "0"), ("-0.000", "0"), ("2e-1", "0.2"), ("1E2", "100")])
    func rule14_dynamoDBNumberSyntaxAccepted(text: String, canonical: String) throws {
        #expect(try Number(text).description == canonical)
    }

    // MARK: Rule 15: numbers compare by value.

    @Test func rule15_equalValuesAreEqualNumbers() throws {
        #expect(try Number("1.50") == Number("1.5"))
        #expect(try Number("01.500") == Number("1.5"))
        #expect(try Number("7.0") == Number("7"))
        #expect(try Number("1E2") == Number("100"))
        #expect(try Number("2E-1") == Number("0.2"))
        #expect(try Number("1.50").hashValue == Number("1.5").hashValue)
        #expect(try Number("1.5") != Number("1.05"))
    }

    @Test func rule15_orderIsNumeric() throws {
        let ascending = ["-1000000", "-10", "-9", "-0.5", "0", "0.001", "1.5", "2", "9", "10", "99.99", "100"]
        let numbers = try ascending.map { try Number($0) }
        for (index, number) in numbers.enumerated() {
            for (otherIndex, other) in numbers.enumerated() {
                #expect((number < other) == (index < otherIndex), "\(number) vs \(other)")
            }
        }
        #expect(try Number("10") > Number("9"))
    }

    // MARK: Rule 16: normalized output.

    @Test(arguments: [("1.500", "1.5"), ("007", "7"), ("-0.10", "-0.1"), ("100", "100"), ("1E30", "1" + String(repeating: "0", count: 30)),
                      ("1E-5", "0.00001"), ("-1.23E-2", "-0.0123"), ("12.3400E1", "123.4"), ("0.0", "0")])
    func rule16_numbersComeBackNormalized(text: String, canonical: String) throws {
        #expect(try Number(text).description == canonical)
    }

    // MARK: Rule 26: exact decimal arithmetic.

    @Test func rule26_arithmeticIsExactDecimal() throws {
        #expect(try num("0.1").adding(num("0.2")) == num("0.3"))
        #expect(try num("0.3").subtracting(num("0.1")) == num("0.2"))
        #expect(try num("1.1").adding(num("2.2")) == num("3.3"))
        #expect(try num("12345678901234567890123456789012345678").adding(num("1")).description
            == "12345678901234567890123456789012345679")
        #expect(try num("99999999999999999999999999999999999999").subtracting(num("99999999999999999999999999999999999998")) == num("1"))
        #expect(try num("1").subtracting(num("1")).description == "0")
        #expect(try num("-5").adding(num("3")) == num("-2"))
        #expect(try num("1E-130").adding(num("-1E-130")) == .zero)
    }

    @Test func rule26_resultsBeyond38DigitsOrRangeRejected() {
        let precision = dynamoError { _ = try num("1E50").adding(num("1")) }
        #expect(precision?.message == "Number overflow. Attempting to store a number with magnitude larger than supported range")
        #expect(dynamoError { _ = try num("99999999999999999999999999999999999999").adding(num("1")) } == nil)  // 1E38: one digit
        #expect(dynamoError { _ = try num("99999999999999999999999999999999999999").adding(num("0.1")) }?.code == .validation)
        #expect(dynamoError { _ = try num("9E125").adding(num("9E125")) }?.code == .validation)
        #expect(dynamoError { _ = try num("9E125").subtracting(num("-9E125")) }?.code == .validation)
        #expect(dynamoError { _ = try num("1E125").adding(num("1E-130")) }?.code == .validation)
    }

    // MARK: Property tests against a naive reference decimal.

    static func randomNumber(_ random: inout SeededRandom) -> Number {
        let digitCount = Int.random(in: 1...38, using: &random)
        var digits = (0..<digitCount).map { _ in Int.random(in: 0...9, using: &random) }
        // Favour shared prefixes and small exponent spreads so comparisons and sums are interesting.
        if Bool.random(using: &random) { digits[0] = 1 }
        let exponent = Int.random(in: -8...8, using: &random) * (Bool.random(using: &random) ? 1 : 5)
        let reference = ReferenceDecimal(digits: digits, negative: Bool.random(using: &random), scale: exponent)
        guard reference.isRepresentable, let number = try? Number(reference.scientificText) else { return .zero }
        return number
    }

    @Test func numberOrderingMatchesReference() {
        var random = SeededRandom.forTest("numberOrderingMatchesReference", defaultSeed: 0x5EED_0001)
        for _ in 0..<20_000 {
            let a = Self.randomNumber(&random)
            let b = Bool.random(using: &random) ? a : Self.randomNumber(&random)
            let expected = ReferenceDecimal.compare(ReferenceDecimal(a), ReferenceDecimal(b))
            #expect(Number.compare(a, b) == expected, "\(a) vs \(b)")
            #expect((a == b) == (expected == 0))
        }
    }

    @Test func numberArithmeticMatchesReference() {
        var random = SeededRandom.forTest("numberArithmeticMatchesReference", defaultSeed: 0x5EED_0002)
        var exactCount = 0
        for _ in 0..<20_000 {
            let a = Self.randomNumber(&random)
            let b = Self.randomNumber(&random)
            for subtract in [false, true] {
                let expected = subtract ? ReferenceDecimal(a) + -ReferenceDecimal(b) : ReferenceDecimal(a) + ReferenceDecimal(b)
                let result = Result { () throws(DynamoError) -> Number in try subtract ? a.subtracting(b) : a.adding(b) }
                switch result {
                case .success(let number):
                    #expect(expected.isRepresentable, "\(a) ± \(b) should have failed")
                    #expect(ReferenceDecimal(number) == expected, "\(a) \(subtract ? "-" : "+") \(b) = \(number)")
                    #expect(number.description == expected.plainText)
                    exactCount += 1
                case .failure:
                    #expect(!expected.isRepresentable, "\(a) \(subtract ? "-" : "+") \(b) failed but fits")
                }
            }
        }
        #expect(exactCount > 10_000)  // the generator must mostly produce representable sums
    }

    @Test func parsingAndPrintingRoundTripAgainstReference() throws {
        var random = SeededRandom.forTest("parsingAndPrintingRoundTripAgainstReference", defaultSeed: 0x5EED_0003)
        for _ in 0..<5_000 {
            let number = Self.randomNumber(&random)
            let reference = ReferenceDecimal(number)
            #expect(number.description == reference.plainText)
            #expect(try Number(reference.scientificText) == number)
            #expect(try Number(number.description) == number)
        }
    }
}
