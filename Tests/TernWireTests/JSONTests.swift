import TernTables
import TernTesting
import Testing

@testable import TernWire

struct JSONTests {
    @Test("the parser reads every JSON form and keeps numbers as written")
    func parsesEveryForm() throws {
        let value = try JSONParser.parse(Array(#" { "a" : [1, -0.5e+3, true, false, null, "x\u00e9\ud83d\ude00\t"], "b": {} } "#.utf8))
        #expect(
            value
                == .object([
                    "a": .array([.number("1"), .number("-0.5e+3"), .bool(true), .bool(false), .null, .string("xé😀\t")]),
                    "b": .object([:]),
                ]))
    }

    @Test("invalid UTF-8 in a string is a SerializationException")
    func invalidUTF8() {
        #expect(throws: WireError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test("nesting deeper than the bound is refused without exhausting the stack")
    func deepNesting() throws {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        let error = try #require(throws: WireError.self) { try JSONParser.parse(deep) }
        #expect(error.name == "SerializationException")
        let fine = Array(repeating: UInt8(ascii: "["), count: 200) + Array(repeating: UInt8(ascii: "]"), count: 200)
        _ = try JSONParser.parse(fine)
    }

    @Test("the writer escapes what JSON requires and round-trips through the parser")
    func writerEscapes() throws {
        let text = "q\"b\\s/n\nc\u{1}é😀"
        var writer = JSONWriter()
        writer.string(text)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""q\"b\\s/n\nc\u0001é😀""#)
        #expect(try JSONParser.parse(writer.bytes) == .string(text))
    }

    @Test("base64 matches RFC 4648's vectors and refuses non-canonical text")
    func base64Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        for bad in ["Zg=", "Zg", "Z===", "Zh==", "Zm9v!A==", "=Zm9"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("random items round-trip through DynamoDB JSON")
    func randomItemsRoundTrip() throws {
        var generator = SeededGenerator.fromEnvironment("JSONTests.randomItemsRoundTrip")
        for _ in 0..<300 {
            var item: Item = [:]
            for index in 0..<Int.random(in: 0...6, using: &generator) {
                item["a\(index)"] = Self.randomValue(depth: 0, using: &generator)
            }
            #expect(try WireItem.decode(WireItem.encode(item)) == item)
        }
    }

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> AttributeValue {
        let kind = Int.random(in: 0..<(depth > 3 ? 8 : 10), using: &generator)
        func text() -> String {
            let alphabet = Array("ab\"\\\n\u{1}é😀 ")
            return String((0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
        func number() -> Number {
            let text = "\(Int.random(in: -1_000_000...1_000_000, using: &generator))e\(Int.random(in: -10...10, using: &generator))"
            return try! Number(text)
        }
        func bytes() -> [UInt8] { (0..<Int.random(in: 0...7, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        switch kind {
        case 0: return .string(text())
        case 1: return .number(number())
        case 2: return .binary(bytes())
        case 3: return .bool(Bool.random(using: &generator))
        case 4: return .null
        case 5: return .stringSet(["x", text() + "y"])
        case 6: return .numberSet([Number(Int.random(in: 0...9, using: &generator)), Number(10)])
        case 7: return .binarySet([[1], bytes() + [2, 2]])
        case 8: return .list((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var map: [String: AttributeValue] = [:]
            for index in 0..<Int.random(in: 0...3, using: &generator) { map["m\(index)"] = randomValue(depth: depth + 1, using: &generator) }
            return .map(map)
        }
    }

    @Test("an error body carries __type, message, cancellation reasons and the item, and decodes back")
    func errorBodies() throws {
        let error = WireError(
            DynamoError.transactionCanceled([.none, DynamoError.CancellationReason(code: "ConditionalCheckFailed", message: "The conditional request failed", item: ["pk": .string("a")])]))
        let decoded = WireError.decode(status: 400, body: error.wireBytes())
        #expect(decoded == error)
        #expect(decoded.type == "com.amazonaws.dynamodb.v20120810#TransactionCanceledException")
        #expect(decoded.dynamoError?.cancellationReasons.count == 2)
        let unknown = WireError.decode(status: 502, body: Array("<html>bad gateway</html>".utf8))
        #expect(unknown.status == 502)
        #expect(unknown.name == "InternalServerError")
    }
}
