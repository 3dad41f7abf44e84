import Testing
@testable import TernTables

/// Public API that trapped on bad arguments (integrity audit, item 9): each now answers as its
/// documentation says.
@Suite struct PublicAPITrapTests {
    /// `Number(coefficient:exponent:isNegative:)` overflowed computing the adjusted exponent for an
    /// exponent near `Int.max`; it is documented to return nil for out-of-range parts.
    @Test(arguments: [Int.max, Int.max - 1, Int.min, Int.min + 1, 1_001, -1_001])
    func numberFromExtremeExponentIsNil(exponent: Int) {
        #expect(Number(coefficient: 1, exponent: exponent, isNegative: false) == nil)
        #expect(Number(coefficient: 123, exponent: exponent, isNegative: true) == nil)
    }

    @Test func numberFromPartsInRangeStillWorks() {
        #expect(Number(coefficient: 15, exponent: -1, isNegative: false)?.description == "1.5")
        #expect(Number(coefficient: 1, exponent: 125, isNegative: false) != nil)
        #expect(Number(coefficient: 1, exponent: 126, isNegative: false) == nil)
    }

    /// `AttributePath.value(in:)` trapped on a negative list index.
    @Test func negativeListIndexFindsNothing() {
        let item: Item = ["l": .list([.string("a"), .string("b")])]
        #expect(AttributePath("l", [.index(-1)]).value(in: item) == nil)
        #expect(AttributePath("l", [.index(1)]).value(in: item) == .string("b"))
        #expect(AttributePath("l", [.index(2)]).value(in: item) == nil)
    }

    /// `sizeBytes` recursed once per nesting level and overflowed the stack at depth 100,000.
    @Test func sizeOfADeeplyNestedValueIsComputed() {
        var value = AttributeValue.string("x")
        for _ in 0..<100_000 { value = .list([value]) }
        #expect(value.sizeBytes == 1 + 100_000 * 4)
        #expect(throws: DynamoError.self) { try value.validate() }
        // Tear it down iteratively too: releasing a 100,000-deep chain recursively would also
        // overflow the stack.
        while case .list(let inner) = value, let first = inner.first { value = first }
    }

    @Test func sizeOfMapsAndListsMatchesDynamoDBsRule() {
        let value = AttributeValue.map(["ab": .list([.bool(true), .string("xyz")]), "c": .null])
        // map 3 + ("ab" 2 + 1 + list(3 + 2 + 1 + 3)) + ("c" 1 + 1 + 1)
        #expect(value.sizeBytes == 3 + (2 + 1 + (3 + 2 + 1 + 3)) + (1 + 1 + 1))
    }
}
