import Testing
@testable import TernTables

@Suite struct AttributeValueTests {
    static let hashSchema = KeySchema(partitionKey: .init(name: "pk", type: .string))
    static let rangeSchema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .binary))

    // Rule 6: sets are unordered; nested and empty L/M are valid values.
    @Test func rule6_setsAreUnorderedAndEmptyContainersAllowed() {
        #expect(AttributeValue.stringSet(["a", "b"]) == .stringSet(["b", "a"]))
        #expect(AttributeValue.numberSet([num("1"), num("2.0")]) == .numberSet([num("2"), num("1.00")]))
        #expect(AttributeValue.binarySet([[1], [2]]) == .binarySet([[2], [1]]))
        #expect(AttributeValue.stringSet(["a", "b"]).hashValue == AttributeValue.stringSet(["b", "a"]).hashValue)
        #expect(AttributeValue.list([N("1"), N("2")]) != .list([N("2"), N("1")]))  // lists are ordered
        #expect(AttributeValue.stringSet(["a"]) != .list([S("a")]))
        #expect(dynamoError { try AttributeValue.validate(item: ["l": .list([]), "m": .map([:]), "n": .map(["x": .list([.map([:])])])]) } == nil)
    }

    // Rule 11: empty strings and binaries are fine outside keys, nested too, and rejected as keys.
    @Test func rule11_emptyStringAndBinaryAllowedOutsideKeysOnly() {
        let item: Item = ["pk": S("k"), "s": S(""), "b": B([]), "m": .map(["s": S(""), "l": .list([B([])])]), "ss": .stringSet([""])]
        #expect(dynamoError { try AttributeValue.validate(item: item) } == nil)
        #expect(dynamoError { _ = try Self.hashSchema.primaryKey(ofItem: item) } == nil)
        let emptyPartition = dynamoError { _ = try Self.hashSchema.primaryKey(ofItem: ["pk": S("")]) }
        #expect(emptyPartition?.message
            == "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
        let emptySort = dynamoError { _ = try Self.rangeSchema.primaryKey(ofKey: ["pk": S("a"), "sk": B([])]) }
        #expect(emptySort?.message
            == "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk")
    }

    // Rule 12: empty sets and duplicate elements are rejected, with DynamoDB's wording.
    @Test(arguments: [
        (AttributeValue.stringSet([]), "One or more parameter values were invalid: An string set  may not be empty"),
        (.numberSet([]), "One or more parameter values were invalid: An number set  may not be empty"),
        (.binarySet([]), "One or more parameter values were invalid: Binary sets should not be empty"),
        (.stringSet(["a", "b", "a"]), "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates."),
        (.numberSet([num("1"), num("1.0")]), "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."),
        (.binarySet([[1, 2], [1, 2]]), "One or more parameter values were invalid: Input collection [0102, 0102] contains duplicates."),
        (.map(["nested": .list([.stringSet([])])]), "One or more parameter values were invalid: An string set  may not be empty"),
    ])
    func rule12_emptyAndDuplicateSetsRejected(value: AttributeValue, message: String) {
        let error = dynamoError { try AttributeValue.validate(item: ["a": value]) }
        #expect(error?.code == .validation)
        #expect(error?.message == message)
    }

    @Test func rule12_precomposedAndDecomposedStringsAreDistinctSetElements() {
        #expect(dynamoError { try AttributeValue.stringSet(["\u{E9}", "e\u{301}"]).validate() } == nil)
    }

    // Rule 13: the 400 KB limit counts names and values; key size limits are 2048 and 1024 bytes.
    @Test func rule13_itemSizeLimitIs400KB() {
        let limit = AttributeValue.maxItemSizeBytes
        #expect(limit == 409_600)
        let exactly: Item = ["pk": S("k"), "v": S(String(repeating: "x", count: limit - 2 - 1 - 1))]
        #expect(AttributeValue.size(of: exactly) == limit)
        #expect(dynamoError { try AttributeValue.validate(item: exactly) } == nil)
        let over: Item = ["pk": S("k"), "v": S(String(repeating: "x", count: limit - 2 - 1))]
        #expect(dynamoError { try AttributeValue.validate(item: over) }?.message == "Item size has exceeded the maximum allowed size")
    }

    @Test func rule13_itemSizeFollowsDynamoDBFormula() {
        // "shirt-color": "R", "shirt-size": "M" is 23 bytes (DynamoDB's documented example).
        #expect(AttributeValue.size(of: ["shirt-color": S("R"), "shirt-size": S("M")]) == 23)
        #expect(N("12345").sizeBytes == 4)  // (5 + 1) / 2 + 1
        #expect(N("0.00012").sizeBytes == 2)  // two significant digits
        #expect(AttributeValue.list([S("xy")]).sizeBytes == 3 + 2 + 1)
        #expect(AttributeValue.map(["ab": .bool(true)]).sizeBytes == 3 + 2 + 1 + 1)
        #expect(AttributeValue.null.sizeBytes == 1)
        #expect(AttributeValue.stringSet(["ab", "c"]).sizeBytes == 3)
        #expect(B([1, 2, 3]).sizeBytes == 3)
    }

    @Test func rule13_keySizeLimits() {
        let schema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .string))
        let longest: Item = ["pk": S(String(repeating: "p", count: 2048)), "sk": S(String(repeating: "s", count: 1024))]
        #expect(dynamoError { _ = try schema.primaryKey(ofItem: longest) } == nil)
        var tooLongPartition = longest
        tooLongPartition["pk"] = S(String(repeating: "p", count: 2049))
        #expect(dynamoError { _ = try schema.primaryKey(ofItem: tooLongPartition) }?.code == .validation)
        var tooLongSort = longest
        tooLongSort["sk"] = S(String(repeating: "s", count: 1025))
        #expect(dynamoError { _ = try schema.primaryKey(ofItem: tooLongSort) }?.message
            == "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
    }

    @Test func nestingIsLimitedTo32Levels() {
        var value = S("x")
        for _ in 0..<32 { value = .list([value]) }
        #expect(dynamoError { try value.validate() } == nil)
        let error = dynamoError { try AttributeValue.map(["deeper": value]).validate() }
        #expect(error?.message == "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit")
    }

    // Rule 10: a Key must match the schema exactly.
    @Test func rule10_keyMustMatchSchemaExactly() throws {
        let schema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .number))
        #expect(try schema.primaryKey(ofKey: ["pk": S("a"), "sk": N("7.0")]) == PrimaryKey(partition: .string("a"), sort: .number(num("7"))))
        for key: Item in [["pk": S("a")], ["pk": S("a"), "sk": N("1"), "x": N("1")], ["pk": S("a"), "sk": S("1")], ["sk": N("1"), "x": S("a")]] {
            #expect(dynamoError { _ = try schema.primaryKey(ofKey: key) }?.message == "The provided key element does not match the schema")
        }
        #expect(dynamoError { _ = try schema.primaryKey(ofItem: ["pk": S("a")]) }?.message
            == "One or more parameter values were invalid: Missing the key sk in the item")
        #expect(dynamoError { _ = try schema.primaryKey(ofItem: ["pk": N("1"), "sk": N("1")]) }?.message
            == "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
    }
}
