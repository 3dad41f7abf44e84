import Testing
import TernEngine
@testable import TernTables

@Suite struct KeyEncodingTests {
    static let vectors: [(KeyValue, String)] = [
        (.binary([0x00, 0xFF, 0x01]), "01 00 ff ff 01 00"),
        (.binary([]), "01 00"),
        (.string("a"), "02 61 00"),
        (.string("a\u{0}b"), "02 61 00 ff 62 00"),
        (.string("\u{E9}"), "02 c3 a9 00"),
        (.string("e\u{301}"), "02 65 cc 81 00"),
        (.number(num("0")), "14"),
        (.number(num("1")), "15 82 0b 00"),
        (.number(num("1.5")), "15 82 10 00"),
        (.number(num("100")), "15 84 0b 00"),
        (.number(num("123")), "15 84 0d 1f 00"),
        (.number(num("-1")), "13 7d f4 ff"),
        (.number(num("-0.5")), "13 7e cc ff"),
        (.number(num("1E-130")), "15 00 0b 00"),
        (.number(num("9.9999999999999999999999999999999999999E+125")), "15 ff" + String(repeating: " 64", count: 19) + " 00"),
    ]

    @Test func goldenVectors() throws {
        #expect(KeyEncoding.formatVersion == 1)
        for (value, expectedHex) in Self.vectors {
            let expected = bytes(hex: expectedHex)
            #expect(KeyEncoding.encode(value) == expected, "\(value)")
            var offset = 0
            #expect(try KeyEncoding.decodeElement(expected, offset: &offset) == value)
            #expect(offset == expected.count)
        }
        let key = PrimaryKey(partition: .string("u1"), sort: .number(num("42")))
        #expect(KeyEncoding.encode(key) == bytes(hex: "02 75 31 00 15 83 2b 00"))
        #expect(try KeyEncoding.decodeKey(bytes(hex: "02 75 31 00 15 83 2b 00"), hasSortKey: true) == key)
    }

    // Rule 15: 1.50, 1.5 and 01.500 are one key; 7.0 is 7.
    @Test func rule15_equalNumbersEncodeToOneKey() {
        #expect(KeyEncoding.encode(.number(num("1.50"))) == KeyEncoding.encode(.number(num("01.500"))))
        #expect(KeyEncoding.encode(.number(num("7.0"))) == KeyEncoding.encode(.number(num("7"))))
    }

    // Rule 17: no Unicode normalization in keys.
    @Test func rule17_precomposedAndDecomposedStringsAreDifferentKeys() {
        let precomposed = KeyValue.string("\u{E9}")
        let decomposed = KeyValue.string("e\u{301}")
        #expect(precomposed != decomposed)
        #expect(AttributeValue.string("\u{E9}") != AttributeValue.string("e\u{301}"))
        #expect(KeyEncoding.encode(precomposed) != KeyEncoding.encode(decomposed))
        #expect(Set([precomposed, decomposed]).count == 2)
    }

    // Rule 36: the documented sort orders.
    @Test func rule36_keyOrdersMatchDynamoDB() {
        func assertAscending(_ values: [KeyValue]) {
            for index in values.indices.dropFirst() {
                let lower = KeyEncoding.encode(values[index - 1])
                let upper = KeyEncoding.encode(values[index])
                #expect(ByteOrder.compare(lower, upper) < 0, "\(values[index - 1]) < \(values[index])")
                #expect(values[index - 1] < values[index])
            }
        }
        assertAscending(["-1000000", "-10", "-9", "-0.5", "0", "0.001", "1.5", "2", "9", "10", "99.99", "100"].map { .number(num($0)) })
        assertAscending(["1", "A", "B", "_", "a", "b", "~"].map { .string($0) })
        assertAscending(["\u{FB00}", "\u{FFFF}", "😀"].map { .string($0) })  // UTF-16 order would put 😀 first
        assertAscending([[0x7F], [0x80], [0xFF]].map { .binary($0) })
        assertAscending(["a", "a\u{0}", "a\u{0}\u{0}", "a\u{1}", "ab"].map { .string($0) })
    }

    static func randomKeyValue(_ random: inout SeededRandom, type: ScalarAttributeType) -> KeyValue {
        switch type {
        case .binary:
            // Small alphabet with 0x00 and 0xFF so escapes and prefixes are frequent.
            let alphabet: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]
            return .binary((0..<Int.random(in: 0...5, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        case .string:
            let alphabet: [String] = ["\u{0}", "a", "b", "é", "e\u{301}", "\u{FFFF}", "😀", "~"]
            return .string((0..<Int.random(in: 0...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined())
        case .number:
            return .number(NumberTests.randomNumber(&random))
        }
    }

    @Test(arguments: ScalarAttributeType.allCases)
    func encodingOrderMatchesValueOrder(type: ScalarAttributeType) throws {
        var random = SeededRandom.forTest("encodingOrderMatchesValueOrder-\(type.rawValue)", defaultSeed: 0x5EED_1000)
        for _ in 0..<20_000 {
            let a = Self.randomKeyValue(&random, type: type)
            let b = Self.randomKeyValue(&random, type: type)
            let encodedA = KeyEncoding.encode(a)
            let encodedB = KeyEncoding.encode(b)
            #expect(ByteOrder.compare(encodedA, encodedB) == KeyValue.compare(a, b), "\(a) vs \(b)")
            var offset = 0
            #expect(try KeyEncoding.decodeElement(encodedA, offset: &offset) == a)
        }
    }

    @Test func compositeKeysGroupPartitionsAndOrderSortKeys() throws {
        var random = SeededRandom.forTest("compositeKeysGroupPartitionsAndOrderSortKeys", defaultSeed: 0x5EED_1001)
        for _ in 0..<5_000 {
            let a = PrimaryKey(partition: Self.randomKeyValue(&random, type: .string), sort: Self.randomKeyValue(&random, type: .number))
            let b = PrimaryKey(partition: Bool.random(using: &random) ? a.partition : Self.randomKeyValue(&random, type: .string),
                               sort: Self.randomKeyValue(&random, type: .number))
            let expected = a == b ? 0 : (a < b ? -1 : 1)
            #expect(ByteOrder.compare(KeyEncoding.encode(a), KeyEncoding.encode(b)) == expected, "\(a) vs \(b)")
            let range = KeyEncoding.partitionRange(a.partition)
            let encodedB = KeyEncoding.encode(b)
            let inRange = ByteOrder.compare(range.lower, encodedB) <= 0 && ByteOrder.compare(encodedB, range.upper) < 0
            #expect(inRange == (a.partition == b.partition))
            #expect(try KeyEncoding.decodeKey(encodedB, hasSortKey: true) == b)
        }
    }

    @Test func beginsWithPrefixCoversExactlyTheMatchingStrings() {
        var random = SeededRandom.forTest("beginsWithPrefixCoversExactlyTheMatchingStrings", defaultSeed: 0x5EED_1002)
        for _ in 0..<5_000 {
            let prefix = Self.randomKeyValue(&random, type: .binary)
            let value = Self.randomKeyValue(&random, type: .binary)
            guard case .binary(let prefixBytes) = prefix, case .binary(let valueBytes) = value else { continue }
            let encodedPrefix = KeyEncoding.encodedPrefix(prefix)
            let encoded = KeyEncoding.encode(value)
            #expect(ByteOrder.hasPrefix(encoded, encodedPrefix) == ByteOrder.hasPrefix(valueBytes, prefixBytes))
        }
        #expect(KeyEncoding.prefixUpperBound([0x02, 0x61, 0xFF]) == [0x02, 0x62])
        #expect(KeyEncoding.prefixUpperBound([0xFF, 0xFF]) == nil)
    }

    @Test(arguments: ["", "09", "02 61", "02 61 00 ff", "15", "15 82", "15 82 0b", "15 82 65 00", "15 82 01 00",
                      "15 82 00", "15 82 0b 00 00", "13 7d f4", "02 ff 00", "01 00 01", "15 82 0a 00", "15 82 0b 01 00"])
    func malformedKeysThrowCorruption(hexText: String) {
        let encoded = bytes(hex: hexText)
        do {
            _ = try KeyEncoding.decodeKey(encoded, hasSortKey: false)
            Issue.record("decoded malformed key \(hexText)")
        } catch let error as TernError {
            #expect(error.code == .corruption)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func randomBytesNeverCrashTheKeyDecoder() {
        var random = SeededRandom.forTest("randomBytesNeverCrashTheKeyDecoder", defaultSeed: 0x5EED_1003)
        var decodedCount = 0
        for _ in 0..<50_000 {
            let length = Int.random(in: 0...12, using: &random)
            let candidate = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if let key = try? KeyEncoding.decodeKey(candidate, hasSortKey: Bool.random(using: &random)) {
                // Whatever decodes must re-encode to the same bytes: the decoder accepts canonical input only.
                #expect(KeyEncoding.encode(key) == candidate)
                decodedCount += 1
            }
        }
        #expect(decodedCount > 0)
    }
}
