import Testing
@testable import TernTables

@Suite struct KeyConditionTests {
    static let schema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .number))
    static let stringSortSchema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .string))
    static let hashOnly = KeySchema(partitionKey: .init(name: "pk", type: .string))

    static func parse(
        _ text: String, schema: KeySchema = schema, names: [String: String]? = nil, values: [String: AttributeValue]
    ) throws -> KeyCondition {
        var attributes = try ExpressionAttributes(names: names, values: values.isEmpty ? nil : values)
        let condition = try KeyCondition(text, schema: schema, attributes: &attributes)
        try attributes.checkAllUsed()
        return condition
    }

    @Test func rule35_validShapes() throws {
        let p = S("u1")
        #expect(try Self.parse("pk = :p", values: [":p": p]) == KeyCondition(partitionKey: .string("u1"), sortKeyCondition: nil))
        let cases: [(String, [String: AttributeValue], SortKeyCondition)] = [
            ("pk = :p AND sk = :v", [":v": N("7.0")], .equal(.number(num("7")))),
            ("pk = :p AND sk < :v", [":v": N("7")], .less(.number(num("7")))),
            ("pk = :p AND sk <= :v", [":v": N("7")], .lessOrEqual(.number(num("7")))),
            ("pk = :p AND sk > :v", [":v": N("7")], .greater(.number(num("7")))),
            ("pk = :p AND sk >= :v", [":v": N("7")], .greaterOrEqual(.number(num("7")))),
            ("pk = :p AND sk BETWEEN :v AND :w", [":v": N("1"), ":w": N("1.0")], .between(.number(num("1")), .number(num("1")))),
            ("sk > :v AND pk = :p", [":v": N("7")], .greater(.number(num("7")))),
            (":v < sk AND :p = pk", [":v": N("7")], .greater(.number(num("7")))),
            ("((pk = :p) AND (sk >= :v))", [":v": N("7")], .greaterOrEqual(.number(num("7")))),
            ("pk = :p aNd sk bEtWeEn :v and :w", [":v": N("1"), ":w": N("2")], .between(.number(num("1")), .number(num("2")))),
        ]
        for (text, values, expected) in cases {
            let condition = try Self.parse(text, values: values.merging([":p": p]) { a, _ in a })
            #expect(condition.partitionKey == .string("u1"))
            #expect(condition.sortKeyCondition == expected, "\(text)")
        }
        let prefix = try Self.parse("pk = :p AND begins_with(sk, :v)", schema: Self.stringSortSchema, values: [":p": p, ":v": S("ab")])
        #expect(prefix.sortKeyCondition == .beginsWith(.string("ab")))
        #expect(prefix.matches(sortKey: .string("abc")))
        #expect(!prefix.matches(sortKey: .string("b")))
        let named = try Self.parse("#p = :p AND #s < :v", names: ["#p": "pk", "#s": "sk"], values: [":p": p, ":v": N("1")])
        #expect(named.sortKeyCondition == .less(.number(num("1"))))
    }

    @Test func rule35_sortConditionsMatchInKeyOrder() throws {
        let between = try Self.parse("pk = :p AND sk BETWEEN :a AND :b", values: [":p": S("x"), ":a": N("-0.5"), ":b": N("10")])
        for (value, expected) in [("-1", false), ("-0.5", true), ("0", true), ("9.99", true), ("10", true), ("10.01", false)] {
            #expect(between.matches(sortKey: .number(num(value))) == expected, "\(value)")
        }
    }

    @Test(arguments: [
        ("sk = :v", [":v": N("1")], "Query condition missed key schema element: pk"),
        ("pk < :p", [":p": S("a")], "Query key condition not supported"),
        ("pk = :p OR sk = :v", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"),
        ("NOT pk = :p", [":p": S("a")], "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: NOT"),
        ("pk = :p AND sk <> :v", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>"),
        ("pk = :p AND sk IN (:v)", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN"),
        ("pk = :p AND sk > :v AND sk < :v", [":p": S("a"), ":v": N("1")], "Conditions can be of length 1 or 2 only"),
        ("pk = :p AND sk >= :v", [":p": S("a"), ":v": N("1")], ""),
        ("pk = :p AND pk = :p", [":p": S("a")], "KeyConditionExpressions must only contain one condition per key"),
        ("sk = :v AND sk > :v", [":v": N("1")], "KeyConditionExpressions must only contain one condition per key"),
        ("pk = :p AND attr = :v", [":p": S("a"), ":v": N("1")], "Query condition missed key schema element: sk"),
        ("pk = :p AND sk.x = :v", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested attributes; attribute: [sk, x]"),
        ("pk = :v", [":v": N("1")], "One or more parameter values were invalid: Condition parameter type does not match schema type"),
        ("pk = :p AND sk = :v", [":p": S("a"), ":v": S("1")], "One or more parameter values were invalid: Condition parameter type does not match schema type"),
        ("pk = :p AND begins_with(sk, :v)", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator: begins_with, operand type: NUMBER"),
        ("pk = :p AND sk BETWEEN :v AND :w", [":p": S("a"), ":v": N("5"), ":w": N("1")], "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"),
        ("pk = :p AND attribute_exists(sk)", [":p": S("a")], "Invalid KeyConditionExpression: The function is not allowed in a key condition; function: attribute_exists"),
        ("pk = :p AND dog(sk, :v)", [":p": S("a"), ":v": N("1")], "Invalid KeyConditionExpression: Invalid function name; function: dog"),
        ("pk = pk", [:], "Invalid KeyConditionExpression: The operator = requires one key attribute and one value; both operands are attributes"),
        ("pk == :p", [":p": S("a")], "Invalid KeyConditionExpression: Syntax error; token: \"=\", near: \"== :p\""),
        ("pk = :p", [":p": S("")], "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
        ("pk = :p AND sk = :nope", [":p": S("a")], "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"),
        ("pk = :p", [":p": S("a"), ":unused": S("b")], "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
        ("status = :p", [":p": S("a")], "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"),
        ("", [":p": S("a")], "Invalid KeyConditionExpression: The expression can not be empty;"),
    ])
    func rule35_invalidKeyConditionsRejected(text: String, values: [String: AttributeValue], message: String) {
        let error = dynamoError { _ = try Self.parse(text, values: values) }
        if message.isEmpty {
            #expect(error == nil)  // the sanity row: one sort condition is fine
        } else {
            #expect(error?.code == .validation)
            #expect(error?.message == message)
        }
    }

    @Test func rule35_sortConditionOnHashOnlyTableRejected() {
        let error = dynamoError { _ = try Self.parse("pk = :p AND sk = :v", schema: Self.hashOnly, values: [":p": S("a"), ":v": N("1")]) }
        #expect(error?.message == "Query key condition not supported")
        #expect(dynamoError { _ = try Self.parse("pk = :p", schema: Self.hashOnly, values: [":p": S("a")]) } == nil)
    }

    @Test func rule35_beginsWithOnBinarySortKey() throws {
        let schema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .binary))
        let condition = try Self.parse("pk = :p AND begins_with(sk, :v)", schema: schema, values: [":p": S("a"), ":v": B([0x00, 0x7F])])
        #expect(condition.matches(sortKey: .binary([0x00, 0x7F, 0x80])))
        #expect(!condition.matches(sortKey: .binary([0x00, 0x80])))
    }
}
