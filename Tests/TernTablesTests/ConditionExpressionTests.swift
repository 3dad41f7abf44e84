import Testing
@testable import TernTables

@Suite struct ConditionExpressionTests {
    static let item: Item = [
        "pk": S("a"), "n": N("5"), "s": S("abc"), "tags": .stringSet(["red", "green"]), "l": .list([N("1"), N("2"), N("3")]),
        "m": .map(["nested": S("i")]), "b": B([0, 1, 2, 3]), "ns": .numberSet([num("1"), num("2.5")]), "t": .bool(true), "z": .null,
        "u": S("é𝄞"), "e": .list([S("hi"), .numberSet([num("1"), num("2")]), .list([N("3"), N("4")])]),
    ]

    // Rule 32: comparators; numbers by value, strings by bytes; across types or missing: false.
    @Test(arguments: [
        ("n = :v", N("5"), true), ("n = :v", N("5.0"), true), ("n <> :v", N("5"), false), ("n < :v", N("6"), true),
        ("n <= :v", N("5"), true), ("n > :v", N("5"), false), ("n >= :v", N("5"), true), ("s < :v", S("b"), true),
        ("s > :v", S("ab"), true), ("s < :v", S("abc"), false), ("n > :v", S("1"), false), ("n = :v", S("5"), false),
        ("n <> :v", S("5"), true), ("absent = :v", N("1"), false), ("absent <> :v", N("1"), true), ("absent < :v", N("1"), false),
        ("b < :v", B([0, 1, 3]), true), ("b < :v", B([0x80]), true), (":v < n", N("4"), true), ("tags = :v", .stringSet(["green", "red"]), true),
        ("l = :v", .list([N("1"), N("2"), N("3.0")]), true), ("m = :v", .map(["nested": S("i")]), true), ("t = :v", .bool(true), true),
        ("z = :v", .null, true), ("m.nested = :v", S("i"), true), ("l[1] = :v", N("2"), true), ("l[5] = :v", N("2"), false),
        ("m.nope.deeper = :v", N("1"), false), ("l.x = :v", N("1"), false), ("m[0] = :v", N("1"), false),
    ])
    func rule32_comparators(condition: String, value: AttributeValue, expected: Bool) throws {
        #expect(try evaluateCondition(condition, on: Self.item, values: [":v": value]) == expected)
    }

    @Test func rule32_betweenIsInclusiveAndInChecksEquality() throws {
        func check(_ text: String, _ values: [String: AttributeValue]) throws -> Bool {
            try evaluateCondition(text, on: Self.item, values: values)
        }
        #expect(try check("n BETWEEN :a AND :b", [":a": N("1"), ":b": N("5")]))
        #expect(try check("n BETWEEN :a AND :b", [":a": N("5"), ":b": N("5")]))
        #expect(try !check("n BETWEEN :a AND :b", [":a": N("6"), ":b": N("9")]))
        #expect(try !check("n BETWEEN :a AND :b", [":a": S("1"), ":b": S("9")]))
        #expect(try !check("absent BETWEEN :a AND :b", [":a": N("1"), ":b": N("9")]))
        #expect(try check("n between :a and :b", [":a": N("1"), ":b": N("9")]))
        #expect(try check("n IN (:a, :b)", [":a": N("4"), ":b": N("5")]))
        #expect(try !check("s IN (:a, :b)", [":a": S("x"), ":b": S("y")]))
        #expect(try check("n IN (:a, :b)", [":a": S("dog"), ":b": N("5.00")]))
        #expect(try !check("absent IN (:a)", [":a": N("1")]))
        #expect(try check("tags IN (:a)", [":a": .stringSet(["green", "red"])]))
        // Bounds from the item may be in any order: the condition is just false.
        #expect(try !evaluateCondition("n BETWEEN l[2] AND l[0]", on: Self.item))
        #expect(try evaluateCondition("n BETWEEN l[0] AND ns", on: Self.item) == false)
    }

    @Test func rule32_constantsOfUnorderableTypesAreRejected() throws {
        let list = dynamoError { _ = try evaluateCondition("n < :v", on: Self.item, values: [":v": .list([N("1")])]) }
        #expect(list?.message == "Invalid ConditionExpression: Incorrect operand type for operator or function; operator: <, operand type: LIST")
        let reversed = dynamoError { _ = try evaluateCondition("n BETWEEN :a AND :b", on: Self.item, values: [":a": N("2"), ":b": N("1")]) }
        #expect(reversed?.message
            == "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}")
        let mixed = dynamoError { _ = try evaluateCondition("n BETWEEN :a AND :b", on: Self.item, values: [":a": N("2"), ":b": S("dog")]) }
        #expect(mixed?.code == .validation)
        // An item attribute of such a type is merely false.
        #expect(try !evaluateCondition("l < :v", on: Self.item, values: [":v": N("1")]))
    }

    // Rule 33: the functions.
    @Test(arguments: [
        ("begins_with(s, :p)", S("ab"), true), ("begins_with(s, :p)", S("b"), false), ("begins_with(b, :p)", B([0, 1]), true),
        ("begins_with(s, :p)", B([0x61]), false), ("begins_with(absent, :p)", S("a"), false),
        ("contains(s, :p)", S("bc"), true), ("contains(s, :p)", S("cb"), false), ("contains(s, :p)", S(""), true),
        ("contains(tags, :p)", S("red"), true), ("contains(tags, :p)", S("blue"), false), ("contains(l, :p)", N("2.0"), true),
        ("contains(b, :p)", B([1, 2]), true), ("contains(ns, :p)", N("2.50"), true), ("contains(n, :p)", N("5"), false),
        ("contains(e, :p)", .numberSet([num("2"), num("1")]), true), ("contains(e, :p)", .list([N("3"), N("4")]), true),
        ("size(s) = :p", N("3"), true), ("size(l) = :p", N("3"), true), ("size(tags) = :p", N("2"), true),
        ("size(m) = :p", N("1"), true), ("size(b) = :p", N("4"), true), ("size(s) > :p", N("3"), false),
        ("size(u) = :p", N("3"), true),  // UTF-16 code units: é is 1, 𝄞 is 2
        ("size(n) = :p", N("1"), false), ("size(t) = :p", N("1"), false), ("size(s) = :p", S("3"), false),
        ("size(m.nested) BETWEEN :p AND :p", N("1"), true), ("size(s) IN (:p)", N("3"), true),
        ("attribute_type(n, :p)", S("N"), true), ("attribute_type(n, :p)", S("S"), false), ("attribute_type(tags, :p)", S("SS"), true),
        ("attribute_type(m, :p)", S("M"), true), ("attribute_type(z, :p)", S("NULL"), true), ("attribute_type(t, :p)", S("BOOL"), true),
        ("attribute_type(absent, :p)", S("N"), false), ("attribute_type(:p, :p)", S("S"), true),
    ])
    func rule33_functions(condition: String, value: AttributeValue, expected: Bool) throws {
        #expect(try evaluateCondition(condition, on: Self.item, values: [":p": value]) == expected)
    }

    @Test func rule33_attributeExistsAndNotExistsWithNestedPaths() throws {
        #expect(try evaluateCondition("attribute_exists(m.nested)", on: Self.item))
        #expect(try !evaluateCondition("attribute_exists(m.nope)", on: Self.item))
        #expect(try evaluateCondition("attribute_not_exists(absent)", on: Self.item))
        #expect(try !evaluateCondition("attribute_not_exists(l[2])", on: Self.item))
        #expect(try evaluateCondition("attribute_not_exists(l[3])", on: Self.item))
        #expect(try evaluateCondition("attribute_not_exists(pk)", on: [:]))  // absent item
        #expect(try !evaluateCondition("attribute_exists(pk)", on: [:]))
    }

    @Test(arguments: [
        ("no_such_fn(n)", "Invalid ConditionExpression: Invalid function name; function: no_such_fn"),
        ("BEGINS_WITH(s, :v)", "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH"),
        ("size(s)", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"),
        ("attribute_exists(n) = :v", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"),
        ("if_not_exists(n, :v) = :v", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: if_not_exists"),
        ("list_append(l, :v) = :v", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: list_append"),
        ("attribute_exists(:v)", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"),
        ("size(:v) = :v", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: size"),
        ("size(s, s) = :v", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"),
        ("begins_with(s, :v)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator: begins_with, operand type: NUMBER"),
        ("contains(s, s) AND :v = :v", "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [s]"),
        ("attribute_type(n, s) AND :v = :v", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: PATH"),
    ])
    func rule33_functionMisuseIsRejected(condition: String, message: String) {
        let error = dynamoError { _ = try evaluateCondition(condition, on: Self.item, values: [":v": N("1")]) }
        #expect(error?.code == .validation)
        #expect(error?.message == message)
    }

    @Test func rule33_attributeTypeRejectsUnknownTypeNames() {
        let error = dynamoError { _ = try evaluateCondition("attribute_type(n, :t)", on: Self.item, values: [":t": S("DOG")]) }
        #expect(error?.message == "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid types: { B,BOOL,BS,L,M,N,NS,NULL,S,SS }")
    }

    // Rule 34: NOT, then AND, then OR; parentheses override.
    @Test(arguments: [
        ("a = :one OR a = :two AND b = :two", true),
        ("(a = :one OR a = :two) AND b = :two", false),
        ("NOT a = :two AND b = :one", true),
        ("NOT (a = :one AND b = :one)", false),
        ("NOT NOT NOT NOT a = :one", true),
        ("a = :two OR NOT b = :two", true),
        ("b BETWEEN :one AND :two AND a = :one", true),
        ("((a = :one))", true),
        ("a = :two OR a = :two OR a = :one", true),
        ("a = :one AND a = :one AND a = :two", false),
    ])
    func rule34_precedence(condition: String, expected: Bool) throws {
        let item: Item = ["a": N("1"), "b": N("1")]
        let values = [":one": N("1"), ":two": N("2")].filter { condition.contains($0.key) }
        #expect(try evaluateCondition(condition, on: item, values: values) == expected)
    }

    // Rule 27: reserved words must be placeholders.
    @Test(arguments: ["name", "size", "status", "date", "data", "inner", "missing", "other", "Status", "COMMENT"])
    func rule27_reservedWordsRejected(word: String) throws {
        let error = dynamoError { _ = try evaluateCondition("\(word) = :v", on: [:], values: [":v": N("1")]) }
        #expect(error?.message == "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: \(word)")
        let nested = dynamoError { _ = try evaluateCondition("m.\(word) = :v", on: [:], values: [":v": N("1")]) }
        #expect(nested?.code == .validation)
        #expect(try evaluateCondition("#w = :v", on: [word: N("1")], names: ["#w": word], values: [":v": N("1")]))
        #expect(ReservedWords.all.count == 573)
    }

    // Rule 28: undefined and unused placeholders, syntax errors, unknown functions.
    @Test func rule28_placeholderErrors() {
        let undefinedName = dynamoError { _ = try evaluateCondition("attribute_exists(#nope)", on: [:]) }
        #expect(undefinedName?.message
            == "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope")
        let undefinedValue = dynamoError { _ = try evaluateCondition("a = :nope", on: [:], values: [":v": N("1")]) }
        #expect(undefinedValue?.message
            == "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope")
        let unusedName = dynamoError { _ = try evaluateCondition("attribute_not_exists(pk)", on: [:], names: ["#unused": "x", "#b": "y"]) }
        #expect(unusedName?.message == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #unused}")
        let unusedValue = dynamoError { _ = try evaluateCondition("a = :v", on: [:], values: [":v": N("1"), ":w": N("2")]) }
        #expect(unusedValue?.message == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}")
        #expect(dynamoError { _ = try ExpressionAttributes(names: [:]) }?.message == "ExpressionAttributeNames must not be empty")
        #expect(dynamoError { _ = try ExpressionAttributes(values: ["v": N("1")]) }?.message
            == "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"")
        #expect(dynamoError { _ = try ExpressionAttributes(names: ["#a-b": "x"]) }?.code == .validation)
        #expect(dynamoError { _ = try ExpressionAttributes(values: [":s": .stringSet([])]) }?.message
            == "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :s")
    }

    @Test func rule28_unusedCheckSpansAllExpressionsOfARequest() throws {
        var attributes = try ExpressionAttributes(names: ["#a": "a", "#b": "b"], values: [":x": N("1"), ":y": N("2")])
        _ = try UpdateExpression("SET #a = :x", attributes: &attributes)
        #expect(dynamoError { try attributes.checkAllUsed() }?.message == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}")
        _ = try ConditionExpression("#b <> :y", attributes: &attributes)
        try attributes.checkAllUsed()
    }

    // Rule 29: a placeholder whose value contains a dot names one top-level attribute.
    @Test func rule29_dottedPlaceholderIsOneTopLevelName() throws {
        let item: Item = ["a.b": S("top"), "a": .map(["b": S("nested")])]
        #expect(try evaluateCondition("#ab = :v", on: item, names: ["#ab": "a.b"], values: [":v": S("top")]))
        #expect(try evaluateCondition("a.b = :v", on: item, values: [":v": S("nested")]))
        #expect(try evaluateCondition("#a.#b = :v", on: item, names: ["#a": "a", "#b": "b"], values: [":v": S("nested")]))
    }

    @Test(arguments: [
        ("v = = :v", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\""),
        ("v", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"v\""),
        ("v = :v AND", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""),
        ("v != :v", "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"v !=\""),
        ("(v = :v", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\""),
        ("v = :v)", "Invalid ConditionExpression: Syntax error; token: \")\", near: \":v)\""),
        ("v IN ()", "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\""),
        ("_v = :v", "Invalid ConditionExpression: Syntax error; token: \"_\", near: \"_v\""),
        ("v = :", "Invalid ConditionExpression: Syntax error; token: \":\", near: \"= :\""),
        ("v[x] = :v", "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\""),
        ("v = :v OR OR v = :v", "Invalid ConditionExpression: Syntax error; token: \"OR\", near: \"OR OR v\""),
        ("v = :v v = :v", "Invalid ConditionExpression: Syntax error; token: \"v\", near: \":v v =\""),
        ("", "Invalid ConditionExpression: The expression can not be empty;"),
        ("  ", "Invalid ConditionExpression: The expression can not be empty;"),
        ("v BETWEEN :v", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\""),
    ])
    func syntaxErrorsNameTheTokenAndWhere(condition: String, message: String) {
        let error = dynamoError { _ = try evaluateCondition(condition, on: [:], values: [":v": N("1")]) }
        #expect(error?.code == .validation)
        #expect(error?.message == message)
        if !condition.trimmingPrefixWhitespace.isEmpty { #expect(error?.offset != nil) }
    }

    @Test func syntaxErrorsWinOverLaterSemanticErrors() {
        // An undefined placeholder comes first in the text, but the syntax error is reported.
        let error = dynamoError { _ = try evaluateCondition("#nope = :nope AND AND", on: [:]) }
        #expect(error?.message.contains("Syntax error") == true)
    }

    @Test func filterExpressionsNameThemselvesInErrors() {
        let error = dynamoError { _ = try evaluateCondition("a = = :v", on: [:], values: [":v": N("1")], kind: .filter) }
        #expect(error?.message.hasPrefix("Invalid FilterExpression: Syntax error") == true)
    }

    @Test func limitsAreEnforced() {
        let deep = String(repeating: "(", count: 100) + "a = :v" + String(repeating: ")", count: 100)
        #expect(dynamoError { _ = try evaluateCondition(deep, on: [:], values: [":v": N("1")]) }?.code == .validation)
        let long = "a = :v" + String(repeating: " ", count: 4100)
        #expect(dynamoError { _ = try evaluateCondition(long, on: [:], values: [":v": N("1")]) }?.code == .validation)
        let values = Dictionary(uniqueKeysWithValues: (0..<101).map { (":v\($0)", N(String($0))) })
        let tooMany = "a IN (" + (0..<101).map { ":v\($0)" }.joined(separator: ", ") + ")"
        #expect(dynamoError { _ = try evaluateCondition(tooMany, on: [:], values: values) }?.code == .validation)
        let hundred = "a IN (" + (0..<100).map { ":v\($0)" }.joined(separator: ", ") + ")"
        #expect(dynamoError { _ = try evaluateCondition(hundred + " OR :v100 = :v100", on: ["a": N("99")], values: values) } == nil)
    }

    // Rule 37: a Query filter may not read key attributes (a Scan filter may).
    @Test func rule37_queryFilterMayNotReadKeyAttributes() throws {
        let schema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .number))
        var attributes = try ExpressionAttributes(values: [":v": N("1")])
        let onKey = try ConditionExpression("a = :v OR size(sk) > :v", kind: .filter, attributes: &attributes)
        #expect(dynamoError { try onKey.checkNoKeyAttributes(schema) }?.message
            == "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk")
        let onOther = try ConditionExpression("a = :v", kind: .filter, attributes: &attributes)
        #expect(dynamoError { try onOther.checkNoKeyAttributes(schema) } == nil)
    }

    @Test func topLevelNamesListWhatTheConditionReads() throws {
        var attributes = try ExpressionAttributes(names: ["#s": "status"], values: [":v": N("1")])
        let condition = try ConditionExpression("a.b = :v AND size(l[0]) > :v OR attribute_exists(#s)", attributes: &attributes)
        #expect(condition.topLevelNames == ["a", "l", "status"])
    }

    @Test func randomTextNeverCrashesTheParsers() {
        var random = SeededRandom.forTest("randomTextNeverCrashesTheParsers", defaultSeed: 0x5EED_3000)
        let pieces = ["a", "b.c", "l[0]", "#n", ":v", "=", "<>", "<", ">=", "(", ")", "[", "]", ",", ".", "+", "-", "AND", "OR", "NOT",
                      "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE", "size", "contains", "if_not_exists", "list_append", "1", " ", "é", "!"]
        var parsed = 0
        var rejected = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined(separator: " ")
            let parsers: [(inout ExpressionAttributes) throws -> Void] = [
                { _ = try ConditionExpression(text, attributes: &$0) },
                { _ = try UpdateExpression(text, attributes: &$0) },
                { _ = try ProjectionExpression(text, attributes: &$0) },
                { _ = try KeyCondition(text, schema: KeySchema(partitionKey: .init(name: "a", type: .number)), attributes: &$0) },
            ]
            for parse in parsers {
                var attributes = attributes(names: ["#n": "n"], values: [":v": N("1")])
                do {
                    try parse(&attributes)
                    parsed += 1
                } catch let error as DynamoError {
                    #expect(error.code == .validation)
                    #expect(error.message.hasPrefix("Invalid ") || error.message.hasPrefix("Query") || error.message.hasPrefix("One or more")
                        || error.message.hasPrefix("Conditions") || error.message.hasPrefix("KeyCondition"), "\(error.message)")
                    rejected += 1
                } catch {
                    Issue.record("non-DynamoError \(error) for \(text)")
                }
            }
        }
        #expect(parsed > 100)
        #expect(rejected > 10_000)
    }
}

extension String {
    var trimmingPrefixWhitespace: Substring { drop(while: { $0.isWhitespace }) }
}
