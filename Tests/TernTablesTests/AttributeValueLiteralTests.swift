import Testing
@testable import TernTables

/// Literals, `Number` from `Double`, and the readable descriptions.
@Suite struct AttributeValueLiteralTests {
    @Test func literalsBuildTheirDynamoTypes() {
        let name = "Ada"
        let item: Item = [
            "s": "text", "interpolated": "hi \(name)", "n": 42, "negative": -7, "f": 0.1, "b": true, "l": [1, "two", false],
            "m": ["inner": ["deep": 1.5]],
        ]
        #expect(item["s"] == .string("text"))
        #expect(item["interpolated"] == .string("hi Ada"))
        #expect(item["n"] == .number(num("42")))
        #expect(item["negative"] == .number(num("-7")))
        #expect(item["f"] == .number(num("0.1")))
        #expect(item["b"] == .bool(true))
        #expect(item["l"] == .list([.number(num("1")), .string("two"), .bool(false)]))
        #expect(item["m"] == .map(["inner": .map(["deep": .number(num("1.5"))])]))
        let keys: [KeyValue] = ["s", 3, 0.25]
        #expect(keys == [.string("s"), .number(num("3")), .number(num("0.25"))])
        #expect(SortKeyCondition.between(25, 35) == .between(.number(num("25")), .number(num("35"))))
        let number: Number = 2.5
        let integer: Number = 100
        #expect(number == num("2.5") && integer == num("1E2"))
    }

    @Test(arguments: [
        (0.5, "0.5"), (1.25, "1.25"), (3.0, "3"), (-2.0, "-2"), (0.0, "0"), (-0.0, "0"),
        (0x1p-30, "0.000000000931322574615478515625"), (1e22, "10000000000000000000000"),
        (9007199254740993.0, "9007199254740992"), (0x1p100, "1267650600228229401496703205376"),
    ])
    func exactConversionFromDouble(value: Double, expected: String) throws {
        #expect(Number(exactly: value) == (try Number(expected)))
        #expect(Number(exactly: value)?.doubleValue == value)
    }

    @Test(arguments: [0.1, 1.0 / 3, .pi, 1e300, 1e-300, .infinity, -.infinity, .nan, 0x1p-1074, 0x1p200])
    func doublesWithoutAnExactNumber(value: Double) {
        #expect(Number(exactly: value) == nil)
    }

    /// Every double whose exact value fits 38 digits converts to exactly that value: checked
    /// against the decimal text of `significand × 2^exponent` computed independently.
    @Test func exactConversionAgreesWithIntegerArithmetic() throws {
        for exponent in -60...60 {
            for significand in [1, 3, 5, 25, 125, 999, 1 << 20 | 1, 4_503_599_627_370_497] as [Int] {
                let value = Double(significand) * Double(sign: .plus, exponent: exponent, significand: 1)
                let expected = Self.exactText(significand: significand, exponent: exponent)
                let parsed = try? Number(expected)
                #expect(Number(exactly: value) == parsed, "\(significand) × 2^\(exponent)")
            }
        }
    }

    /// `s × 2^e` as decimal text, with big-number arithmetic on digit arrays.
    static func exactText(significand: Int, exponent: Int) -> String {
        var digits = Array(String(significand)).map { Int(String($0))! }
        func multiply(_ factor: Int) {
            var carry = 0
            for index in digits.indices.reversed() {
                let product = digits[index] * factor + carry
                digits[index] = product % 10
                carry = product / 10
            }
            while carry > 0 {
                digits.insert(carry % 10, at: 0)
                carry /= 10
            }
        }
        if exponent >= 0 {
            for _ in 0..<exponent { multiply(2) }
            return digits.map(String.init).joined()
        }
        for _ in 0..<(-exponent) { multiply(5) }  // s × 2^-k = s × 5^k × 10^-k
        return digits.map(String.init).joined() + "E-\(-exponent)"
    }

    /// `Number(_: Double)` on values computed at run time (`Number(0.1)` with a literal is the
    /// literal initializer, which gives the same number).
    @Test(arguments: [(0.1, "0.1"), (1e-5, "0.00001"), (123456.789, "123456.789"), (-2.5e10, "-25000000000")])
    func shortestConversionFromDouble(value: Double, expected: String) throws {
        #expect(try Number(value) == num(expected))
    }

    @Test(arguments: [Double.nan, .infinity, 1e200, 1e-200])
    func doublesOutsideDynamoRangeAreRefused(value: Double) {
        #expect(throws: DynamoError.self) { try Number(value) }
    }

    @Test func descriptionsAreDynamoJSON() {
        let item: Item = [
            "email": "ada@example.com", "age": 36, "bytes": .binary([0, 1, 2, 0xFF]), "null": .null, "flags": [true, false],
            "tags": .stringSet(["b", "a"]), "scores": .numberSet([num("1.5"), num("2")]), "blobs": .binarySet([[1], [2, 3]]),
            "quote": "say \"hi\"\n\u{1}", "nested": ["z": 1, "a": ["x": "y"]],
        ]
        #expect(AttributeValue.describe(item) == """
            {"age":{"N":"36"},"blobs":{"BS":["AQ==","AgM="]},"bytes":{"B":"AAEC/w=="},"email":{"S":"ada@example.com"},\
            "flags":{"L":[{"BOOL":true},{"BOOL":false}]},"nested":{"M":{"a":{"M":{"x":{"S":"y"}}},"z":{"N":"1"}}},\
            "null":{"NULL":true},"quote":{"S":"say \\"hi\\"\\n\\u0001"},"scores":{"NS":["1.5","2"]},"tags":{"SS":["b","a"]}}
            """)
        #expect("\(AttributeValue.string("x"))" == #"{"S":"x"}"#)
        #expect(String(reflecting: AttributeValue.number(num("-0.5"))) == #"{"N":"-0.5"}"#)
        #expect("\(KeyValue.binary([]))" == #"{"B":""}"#)
        // print(item) of a one-attribute item reads as DynamoDB JSON inside Swift's brackets.
        #expect("\(["k": AttributeValue.bool(true)] as Item)" == #"["k": {"BOOL":true}]"#)
    }
}
