import Testing
import TernEngine
@testable import TernTables

@Suite struct ItemCodecTests {
    static let valueVectors: [(AttributeValue, String)] = [
        (S("x"), "01 01 78"),
        (S(""), "01 00"),
        (N("0"), "02 00"),
        (N("1.5"), "02 01 01 0f"),
        (N("-100"), "02 02 04 01"),
        (B([0x00, 0x01]), "03 02 00 01"),
        (.bool(false), "04"),
        (.bool(true), "05"),
        (.null, "06"),
        (.list([S("a"), N("0")]), "07 02 01 01 61 02 00"),
        (.map(["b": .bool(true), "a": .null]), "08 02 01 61 06 01 62 05"),
        (.stringSet(["b", "a"]), "09 02 01 61 01 62"),
        (.numberSet([num("10"), num("2")]), "0a 02 01 00 02 01 02 01"),
        (.binarySet([[0x02], [0x01]]), "0b 02 01 01 01 02"),
    ]

    @Test func goldenVectors() throws {
        #expect(ItemCodec.formatVersion == 1)
        for (value, valueHex) in Self.valueVectors {
            let valueBytes = bytes(hex: valueHex)
            // Wrap the value as attribute "v": version, count 1, name "v", value-length, value.
            let itemBytes = [0x01, 0x01, 0x01, 0x76, UInt8(valueBytes.count)] + valueBytes
            #expect(hex(ItemCodec.encode(["v": value])) == hex(itemBytes), "\(value)")
            #expect(try ItemCodec.decode(itemBytes) == ["v": value])
        }
        let item: Item = ["pk": S("u1"), "n": N("1.5"), "ok": .bool(true)]
        let golden = bytes(hex: "01 03 01 6e 04 02 01 01 0f 02 6f 6b 01 05 02 70 6b 04 01 02 75 31")
        #expect(ItemCodec.encode(item) == golden)
        #expect(try ItemCodec.decode(golden) == item)
    }

    /// A value of 128 bytes or more takes a multi-byte value-length (written after the value,
    /// then moved in front of it).
    @Test func longValuesGetAMultiByteLength() throws {
        let text = String(repeating: "x", count: 200)
        let encoded = ItemCodec.encode(["a": .null, "v": S(text), "w": B([UInt8](repeating: 7, count: 20_000)), "z": .bool(true)])
        // "v": value = 01 c8 01 + 200 bytes, 203 long: value-length cb 01.
        let vEntry: [UInt8] = [0x01, 0x76, 0xCB, 0x01, 0x01, 0xC8, 0x01] + Array(text.utf8)
        // "w": value = 03 a0 9c 01 + 20,000 bytes, 20,004 long: value-length a4 9c 01.
        let wHead: [UInt8] = [0x01, 0x77, 0xA4, 0x9C, 0x01, 0x03, 0xA0, 0x9C, 0x01]
        let expected: [UInt8] = [0x01, 0x04, 0x01, 0x61, 0x01, 0x06] + vEntry + wHead + [UInt8](repeating: 7, count: 20_000)
            + [0x01, 0x7A, 0x01, 0x05]
        #expect(encoded == expected)
        #expect(try ItemCodec.decode(encoded)["v"] == S(text))
        let restricted = ItemCodec.Encoded(try ItemCodec.decode(encoded)).restricted(to: ["v", "z"])
        #expect(restricted == [0x01, 0x02] + vEntry + [0x01, 0x7A, 0x01, 0x05])
    }

    // Rule 6: all ten types round-trip; B is raw bytes; nested and empty L/M allowed; sets unordered.
    @Test func rule6_allTenTypesRoundTrip() throws {
        let item: Item = [
            "s": S("héllo"), "n": N("-12.5"), "b": B([0x00, 0xFF, 0x80]), "t": .bool(true), "f": .bool(false),
            "z": .null, "l": .list([N("1"), .list([]), .map([:]), S("")]), "m": .map(["inner": .map(["x": .null]), "e": .map([:])]),
            "ss": .stringSet(["b", "a", "c"]), "ns": .numberSet([num("3"), num("-1"), num("2.5")]),
            "bs": .binarySet([[0x01], [], [0xFF, 0x00]]), "el": .list([]), "em": .map([:]),
        ]
        let decoded = try ItemCodec.decode(ItemCodec.encode(item))
        #expect(decoded == item)
        #expect(decoded["ss"] == .stringSet(["c", "a", "b"]))  // order carries no meaning
        #expect(decoded["ss"] != .stringSet(["c", "a"]))
    }

    @Test func projectionDecodesOnlyTheNamedAttributes() throws {
        let item: Item = ["a": S("1"), "big": .list(Array(repeating: S("x"), count: 1000)), "c": N("3")]
        let encoded = ItemCodec.encode(item)
        #expect(try ItemCodec.decode(encoded, attributes: ["a", "c", "missing"]) == ["a": S("1"), "c": N("3")])
        #expect(try ItemCodec.value(named: "c", in: encoded) == N("3"))
        #expect(try ItemCodec.value(named: "nope", in: encoded) == nil)
        // A skipped attribute is not decoded: corrupting its body does not disturb the others.
        var corrupted = encoded
        let bodyStart = corrupted.firstIndex(of: 0x07)!  // the list tag of "big"
        corrupted[bodyStart] = 0xEE
        #expect(try ItemCodec.decode(corrupted, attributes: ["a", "c"]) == ["a": S("1"), "c": N("3")])
        #expect(throws: TernError.self) { try ItemCodec.decode(corrupted) }
    }

    static func randomValue(_ random: inout SeededRandom, depth: Int = 0) -> AttributeValue {
        let choice = Int.random(in: 0..<(depth > 3 ? 5 : 10), using: &random)
        func string() -> String { ["", "a", "b", "é", "😀", "xyz"].randomElement(using: &random)! }
        switch choice {
        case 0: return .string(string())
        case 1: return .number(NumberTests.randomNumber(&random))
        case 2: return .binary((0..<Int.random(in: 0...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 3: return .bool(Bool.random(using: &random))
        case 4: return .null
        case 5: return .list((0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        case 6:
            var map: [String: AttributeValue] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &random) { map[string()] = randomValue(&random, depth: depth + 1) }
            return .map(map)
        case 7: return .stringSet(Array(Set((0..<Int.random(in: 1...4, using: &random)).map { _ in string() })))
        case 8:
            let numbers = (0..<Int.random(in: 1...4, using: &random)).map { _ in NumberTests.randomNumber(&random) }
            return .numberSet(Array(Set(numbers)))
        default: return .binarySet(Array(Set((0..<Int.random(in: 1...3, using: &random)).map { _ in [UInt8.random(in: 0...3, using: &random)] })))
        }
    }

    static func randomItem(_ random: inout SeededRandom) -> Item {
        var item: Item = [:]
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            item[["pk", "sk", "a", "b", "name", "é", ""].randomElement(using: &random)!] = randomValue(&random)
        }
        return item
    }

    @Test func randomItemsRoundTrip() throws {
        var random = SeededRandom.forTest("randomItemsRoundTrip", defaultSeed: 0x5EED_2000)
        for _ in 0..<5_000 {
            let item = Self.randomItem(&random)
            let encoded = ItemCodec.encode(item)
            #expect(try ItemCodec.decode(encoded) == item)
            #expect(ItemCodec.encode(try ItemCodec.decode(encoded)) == encoded)  // deterministic
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SeededRandom.forTest("randomBytesNeverCrashTheDecoder", defaultSeed: 0x5EED_2001)
        var rejected = 0
        for round in 0..<30_000 {
            var candidate: [UInt8]
            if round % 2 == 0 {
                candidate = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if Bool.random(using: &random), !candidate.isEmpty { candidate[0] = 0x01 }
            } else {
                // Mutate a valid encoding: flip, insert or delete a few bytes.
                candidate = ItemCodec.encode(Self.randomItem(&random))
                for _ in 0..<Int.random(in: 1...3, using: &random) where !candidate.isEmpty {
                    let position = Int.random(in: 0..<candidate.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: candidate[position] ^= UInt8.random(in: 1...255, using: &random)
                    case 1: candidate.insert(UInt8.random(in: 0...255, using: &random), at: position)
                    default: candidate.remove(at: position)
                    }
                }
            }
            do {
                let item = try ItemCodec.decode(candidate)
                // Whatever decodes is a valid item whose encoding is canonical.
                for value in item.values { #expect(dynamoError { try value.validate() } == nil) }
            } catch let error as TernError {
                #expect(error.code == .corruption)
                rejected += 1
            } catch {
                Issue.record("unexpected error \(error)")
            }
            _ = try? ItemCodec.decode(candidate, attributes: ["a", "pk"])
        }
        #expect(rejected > 10_000)
    }

    @Test(arguments: [
        "", "02 00", "01", "01 01", "01 01 01 61", "01 01 01 61 05 01", "01 00 00", "01 02 01 62 01 06 01 61 01 06",
        "01 02 01 61 01 06 01 61 01 06", "01 01 01 61 02 09 00", "01 01 01 61 04 09 02 01 61 01 61", "01 01 01 61 03 02 01 0a",
        "01 01 01 61 02 01 ff", "01 01 01 61 02 0c 00", "01 01 01 ff 01 06", "01 01 01 61 02 06 06",
        "01 01 01 61 0b 02 01 00 ff ff ff ff ff ff ff ff ff ff ff 01",
    ])
    func malformedItemsThrowCorruption(hexText: String) {
        #expect(throws: TernError.self) { try ItemCodec.decode(bytes(hex: hexText)) }
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var random = SeededRandom.forTest("utf8CheckAgreesWithTheStandardLibrary", defaultSeed: 0x5EED_2002)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                    0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var validCount = 0
        for _ in 0..<100_000 {
            // Short strings of edge bytes, and longer mostly-ASCII ones (the 8-byte ASCII fast path
            // must stop at a non-ASCII byte at any offset).
            let long = Bool.random(using: &random)
            let bytes = (0..<Int.random(in: 0...(long ? 40 : 6), using: &random)).map { _ in
                long && Int.random(in: 0..<10, using: &random) < 8
                    ? UInt8.random(in: 0...0x7F, using: &random) : interesting.randomElement(using: &random)!
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBufferPointer(UTF8Check.isValid) == expected, "\(hex(bytes))")
            if expected { validCount += 1 }
        }
        #expect(validCount > 1_000)
    }

    @Test func nestingBeyond32LevelsIsCorruption() throws {
        var value = AttributeValue.null
        for _ in 0..<32 { value = .list([value]) }
        #expect(try ItemCodec.decode(ItemCodec.encode(["a": value])) == ["a": value])
        #expect(throws: TernError.self) { try ItemCodec.decode(ItemCodec.encode(["a": .list([value])])) }
    }
}
