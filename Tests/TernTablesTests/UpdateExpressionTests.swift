import Testing
@testable import TernTables

@Suite struct UpdateExpressionTests {
    static let key: Item = ["pk": S("k")]
    static let rangeSchema = KeySchema(partitionKey: .init(name: "pk", type: .string), sortKey: .init(name: "sk", type: .number))

    static func updated(_ text: String, _ item: Item?, names: [String: String]? = nil, values: [String: AttributeValue]? = nil) throws -> Item {
        try applyUpdate(text, to: item, names: names, values: values).item
    }

    static func message(_ text: String, _ item: Item?, names: [String: String]? = nil, values: [String: AttributeValue]? = nil) -> String? {
        dynamoError { _ = try applyUpdate(text, to: item, names: names, values: values) }?.message
    }

    // Rule 18 (the pure part): an update of a missing item starts from its key.
    @Test func rule18_updateOfMissingItemStartsFromTheKey() throws {
        #expect(try Self.updated("SET a = :v", nil, values: [":v": N("1")]) == ["pk": S("k"), "a": N("1")])
    }

    // Rule 19: each clause once; a path twice; key attributes; REMOVE of a missing attribute.
    @Test(arguments: [
        ("SET a = :v SET b = :v", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
        ("SET a = :v REMOVE b SET c = :v", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
        ("REMOVE a remove b", "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;"),
        ("SET x = :v REMOVE x", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [x], path two: [x]"),
        ("SET a = :v, a.b = :v", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"),
        ("SET a[1][1] = :v, a[1] = :v", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, [1], [1]], path two: [a, [1]]"),
        ("SET a.b = :v, a[1] = :v", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"),
        ("SET #a1 = :v, #a2 = :v", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"),
        ("ADD s :s DELETE s :s", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [s], path two: [s]"),
        ("SET pk = :v", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("REMOVE pk", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("SET pk.x = :v", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
    ])
    func rule19_clausesPathsAndKeys(text: String, message: String) {
        var values: [String: AttributeValue] = [:]
        if text.contains(":v") { values[":v"] = N("1") }
        if text.contains(":s") { values[":s"] = .stringSet(["x"]) }
        let names: [String: String]? = text.contains("#a1") ? ["#a1": "a", "#a2": "a"] : nil
        #expect(Self.message(text, ["pk": S("k"), "x": N("1")], names: names, values: values.isEmpty ? nil : values) == message)
    }

    @Test func rule19_keyAttributesOfARangeSchemaAreProtected() {
        let error = dynamoError {
            _ = try applyUpdate("ADD sk :v", to: nil, key: ["pk": S("k"), "sk": N("1")], schema: Self.rangeSchema, values: [":v": N("1")])
        }
        #expect(error?.message == "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key")
    }

    @Test func rule19_removeOfMissingAttributeIsANoOp() throws {
        let item: Item = ["pk": S("k"), "a": .map(["x": N("3")]), "b": .list([S("hi")])]
        #expect(try Self.updated("REMOVE nothere, a.y, b[7]", item) == item)
        #expect(try Self.updated("REMOVE x.y, l[0]", nil) == Self.key)  // a missing item: even nested REMOVE is a no-op
    }

    @Test func rule19_clausesInAnyOrderAndCase() throws {
        let item: Item = ["pk": S("k"), "a": N("1"), "s": .stringSet(["x", "y"])]
        let result = try Self.updated("delete s :d add n :n remove a set b = :b", item,
                                      values: [":d": .stringSet(["x"]), ":n": N("2"), ":b": S("B")])
        #expect(result == ["pk": S("k"), "s": .stringSet(["y"]), "n": N("2"), "b": S("B")])
    }

    // Rule 20: every right-hand side sees the item before the update.
    @Test func rule20_rightHandSidesUseTheOldItem() throws {
        let item: Item = ["pk": S("k"), "x": N("1"), "y": N("10")]
        let result = try Self.updated("SET x = x + :a, z = x + y", item, values: [":a": N("5")])
        #expect(result["x"] == N("6"))
        #expect(result["z"] == N("11"))
        #expect(try Self.updated("REMOVE a SET b = a", ["pk": S("k"), "a": S("hello")]) == ["pk": S("k"), "b": S("hello")])
        // y = x fails when x exists only after the update.
        #expect(Self.message("SET x = :v, y = x", Self.key, values: [":v": N("4")])
            == "The provided expression refers to an attribute that does not exist in the item")
    }

    // Rule 21: ADD and DELETE.
    @Test func rule21_addAndDelete() throws {
        let item: Item = ["pk": S("k"), "n": N("3"), "s": .stringSet(["dog", "cat"]), "str": S("hi"), "l": .list([N("1")])]
        #expect(try Self.updated("ADD n :v", item, values: [":v": N("-4.5")])["n"] == N("-1.5"))
        #expect(try Self.updated("ADD fresh :v", item, values: [":v": N("8")])["fresh"] == N("8"))
        #expect(try Self.updated("ADD hits :v", nil, values: [":v": N("8")]) == ["pk": S("k"), "hits": N("8")])
        #expect(try Self.updated("ADD s :v", item, values: [":v": .stringSet(["cat", "pig"])])["s"] == .stringSet(["dog", "cat", "pig"]))
        #expect(try Self.updated("ADD ns :v", item, values: [":v": .numberSet([num("1")])])["ns"] == .numberSet([num("1")]))
        #expect(try Self.updated("DELETE s :v", item, values: [":v": .stringSet(["cat", "cow"])])["s"] == .stringSet(["dog"]))
        let emptied = try Self.updated("DELETE s :v", item, values: [":v": .stringSet(["cat", "dog"])])
        #expect(emptied["s"] == nil)
        #expect(try Self.updated("DELETE fresh :v", item, values: [":v": .stringSet(["x"])]) == item)
        let typeError = "An operand in the update expression has an incorrect data type"
        #expect(Self.message("ADD str :v", item, values: [":v": N("1")]) == typeError)
        #expect(Self.message("ADD s :v", item, values: [":v": .numberSet([num("1")])]) == typeError)
        #expect(Self.message("ADD l :v", item, values: [":v": .stringSet(["x"])]) == typeError)
        #expect(Self.message("DELETE n :v", item, values: [":v": .numberSet([num("3")])]) == typeError)
        #expect(Self.message("ADD n :v", item, values: [":v": S("x")])
            == "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING")
        #expect(Self.message("ADD l :v", item, values: [":v": .list([N("1")])])
            == "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST")
        #expect(Self.message("DELETE s :v", item, values: [":v": S("cat")])
            == "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING")
        #expect(Self.message("ADD n a", item) != nil)  // ADD needs a value placeholder
    }

    // Rule 22: if_not_exists and list_append.
    @Test func rule22_ifNotExistsAndListAppend() throws {
        let item: Item = ["pk": S("k"), "a": N("2"), "l": .list([N("1"), N("2")])]
        #expect(try Self.updated("SET a = if_not_exists(a, :v)", item, values: [":v": N("9")])["a"] == N("2"))
        #expect(try Self.updated("SET b = if_not_exists(b, :v)", item, values: [":v": N("9")])["b"] == N("9"))
        #expect(try Self.updated("SET c = if_not_exists(c, :z) + :one", item, values: [":z": N("0"), ":one": N("1")])["c"] == N("1"))
        #expect(try Self.updated("SET l = list_append(l, :v)", item, values: [":v": .list([N("3")])])["l"] == .list([N("1"), N("2"), N("3")]))
        #expect(try Self.updated("SET l = list_append(:v, l)", item, values: [":v": .list([N("0")])])["l"] == .list([N("0"), N("1"), N("2")]))
        #expect(try Self.updated("SET m = list_append(if_not_exists(m, :e), :v)", item, values: [":e": .list([]), ":v": .list([S("x")])])["m"]
            == .list([S("x")]))
        let missing = "The provided expression refers to an attribute that does not exist in the item"
        #expect(Self.message("SET x = nothere + :v", item, values: [":v": N("1")]) == missing)
        #expect(Self.message("SET x = list_append(nothere, :v)", item, values: [":v": .list([])]) == missing)
        #expect(Self.message("SET x = list_append(a, :v)", item, values: [":v": .list([])])
            == "An operand in the update expression has an incorrect data type")
        #expect(Self.message("SET x = a + l", item) == "An operand in the update expression has an incorrect data type")
        #expect(Self.message("SET x = :s + :v", item, values: [":s": S("dog"), ":v": N("1")])
            == "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S")
        #expect(Self.message("SET x = list_append(:v, :s)", item, values: [":s": S("dog"), ":v": .list([])])
            == "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S")
        #expect(Self.message("SET x = list_append(:v)", item, values: [":v": .list([])])
            == "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1")
        #expect(Self.message("SET x = if_not_exists(:v, :v)", item, values: [":v": N("1")])
            == "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists")
        #expect(Self.message("SET x = list_append(list_append(:v, :v), :v)", item, values: [":v": .list([])])
            == "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append")
        #expect(Self.message("SET x = LIST_APPEND(:v, :v)", item, values: [":v": .list([])])
            == "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND")
        #expect(Self.message("SET x = size(l)", item) == "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: size")
        #expect(Self.message("SET x = :v + :v + :v", item, values: [":v": N("1")]) == "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v + :v\"")
        #expect(Self.message("SET x = if_not_exists(x, :v + :v)", item, values: [":v": N("1")])?.contains("Syntax error") == true)
    }

    // Rule 23: nested map paths; SET below a missing parent fails.
    @Test func rule23_nestedMapPaths() throws {
        let item: Item = ["pk": S("k"), "m": .map(["nested": .map(["y": N("1"), "z": N("2")])]), "s": S("str"), "l": .list([S("a")])]
        let set = try Self.updated("SET m.nested.y = :v, m.extra = :v", item, values: [":v": N("9")])
        #expect(set["m"] == .map(["nested": .map(["y": N("9"), "z": N("2")]), "extra": N("9")]))
        let removed = try Self.updated("REMOVE m.nested.y", item)
        #expect(removed["m"] == .map(["nested": .map(["z": N("2")])]))
        #expect(try Self.updated("REMOVE m.nested", ["pk": S("k"), "m": .map(["nested": N("1")])])["m"] == .map([:]))
        let invalid = "The document path provided in the update expression is invalid for update"
        for text in ["SET nothere.y = :v", "SET m.lost.y = :v", "SET s.c = :v", "SET l.c = :v", "SET m[0] = :v", "SET s[0] = :v",
                     "REMOVE nothere.y", "REMOVE s.c", "REMOVE l.c"] {
            #expect(Self.message(text, item, values: text.contains(":v") ? [":v": N("1")] : nil) == invalid, "\(text)")
        }
        #expect(Self.message("SET a.b = :v", nil, values: [":v": N("1")]) == invalid)
    }

    // Rule 24: list indexes.
    @Test func rule24_listIndexes() throws {
        let item: Item = ["pk": S("k"), "l": .list(["zero", "one", "two", "three", "four"].map(S))]
        #expect(try Self.updated("SET l[1] = :v", item, values: [":v": S("ONE")])["l"] == .list(["zero", "ONE", "two", "three", "four"].map(S)))
        #expect(try Self.updated("SET l[9] = :v", item, values: [":v": S("x")])["l"] == .list(["zero", "one", "two", "three", "four", "x"].map(S)))
        let appends = try Self.updated("SET l[84] = :a, l[37] = :b, l[17] = :c", item, values: [":a": S("a"), ":b": S("b"), ":c": S("c")])
        #expect(appends["l"] == .list(["zero", "one", "two", "three", "four", "c", "b", "a"].map(S)))
        #expect(try Self.updated("REMOVE l[0], l[2]", item)["l"] == .list(["one", "three", "four"].map(S)))
        #expect(try Self.updated("REMOVE l[1] SET l[3] = :v", item, values: [":v": S("X")])["l"] == .list(["zero", "two", "X", "four"].map(S)))
        #expect(try Self.updated("SET l[3] = :v REMOVE l[1]", item, values: [":v": S("X")])["l"] == .list(["zero", "two", "X", "four"].map(S)))
        #expect(try Self.updated("REMOVE l[0]", ["pk": S("k"), "l": .list([N("1")])])["l"] == .list([]))
        let nested: Item = ["pk": S("k"), "a": .map(["c": .list([S("hi"), .map(["x": .map(["y": .list([N("3"), N("5"), N("7")])])])])])]
        let deep = try Self.updated("SET a.c[1].#n.y[1] = :v", nested, names: ["#n": "x"], values: [":v": N("9")])
        #expect(deep["a"] == .map(["c": .list([S("hi"), .map(["x": .map(["y": .list([N("3"), N("9"), N("7")])])])])]))
        #expect(Self.message("SET l[9].x = :v", item, values: [":v": N("1")]) == "The document path provided in the update expression is invalid for update")
        #expect(Self.message("SET l[#i] = :v", item, names: ["#i": "1"], values: [":v": N("1")])?.contains("Syntax error") == true)
    }

    // Rule 25: ReturnValues.
    @Test func rule25_returnValues() throws {
        let old: Item = ["pk": S("k"), "a": N("1"), "b": N("2"), "m": .map(["x": N("1"), "y": N("2")])]
        let result = try applyUpdate("SET a = :v, c = :v, m.x = :v REMOVE b", to: old, values: [":v": N("9")])
        #expect(result.attributes(for: .none, oldItem: old) == nil)
        #expect(result.attributes(for: .allOld, oldItem: old) == old)
        #expect(result.attributes(for: .allNew, oldItem: old) == ["pk": S("k"), "a": N("9"), "c": N("9"), "m": .map(["x": N("9"), "y": N("2")])])
        #expect(result.attributes(for: .updatedOld, oldItem: old) == ["a": N("1"), "b": N("2"), "m": .map(["x": N("1")])])
        #expect(result.attributes(for: .updatedNew, oldItem: old) == ["a": N("9"), "c": N("9"), "m": .map(["x": N("9")])])
        let created = try applyUpdate("SET n = :v", to: nil, values: [":v": N("1")])
        #expect(created.attributes(for: .updatedOld, oldItem: nil) == nil)
        #expect(created.attributes(for: .allOld, oldItem: nil) == nil)
        #expect(try ReturnValue(parsing: "UPDATED_NEW") == .updatedNew)
        #expect(dynamoError { _ = try ReturnValue(parsing: "ALL_NEW", allowed: [.none, .allOld]) }?.code == .validation)
        #expect(dynamoError { _ = try ReturnValue(parsing: "SOME") }?.code == .validation)
    }

    // Rule 26: exact decimal arithmetic in SET.
    @Test func rule26_arithmeticIsExact() throws {
        let item: Item = ["pk": S("k"), "a": N("0.1"), "big": N("12345678901234567890123456789012345678")]
        #expect(try Self.updated("SET r = a + :v", item, values: [":v": N("0.2")])["r"] == N("0.3"))
        #expect(try Self.updated("SET r = :x - a", item, values: [":x": N("0.3")])["r"] == N("0.2"))
        #expect(try Self.updated("SET r = :x + :y", item, values: [":x": N("1.1"), ":y": N("2.2")])["r"] == N("3.3"))
        #expect(try Self.updated("SET big = big + :one", item, values: [":one": N("1")])["big"] == N("12345678901234567890123456789012345679"))
        #expect(Self.message("SET r = :x + :y", item, values: [":x": N("1E50"), ":y": N("1")])
            == "Number overflow. Attempting to store a number with magnitude larger than supported range")
        #expect(try Self.updated("ADD a :v", item, values: [":v": N("0.2")])["a"] == N("0.3"))
    }

    // Rule 13: an update may not grow the item past 400 KB, nor nest past 32 levels.
    @Test func rule13_updateCannotGrowItemPastLimits() {
        let big = S(String(repeating: "x", count: 300 * 1024))
        let item: Item = ["pk": S("k"), "a": big]
        #expect(Self.message("SET b = a", item) == "Item size to update has exceeded the maximum allowed size")
        var deep = AttributeValue.null
        for _ in 0..<31 { deep = .list([deep]) }
        #expect(Self.message("SET m.x = :v", ["pk": S("k"), "m": .map([:])], values: [":v": deep]) == nil)
        #expect(Self.message("SET m.x.y = :v", ["pk": S("k"), "m": .map(["x": .map([:])])], values: [":v": deep])
            == "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit")
    }

    // Rules 27-29 for update expressions.
    @Test func rules27to29_placeholdersInUpdates() throws {
        let result = try Self.updated("SET #n = :n, #s = :s, #dotted = :d", ["pk": S("k")],
                                      names: ["#n": "name", "#s": "size", "#dotted": "a.b"], values: [":n": S("bob"), ":s": N("3"), ":d": S("top")])
        #expect(result == ["pk": S("k"), "name": S("bob"), "size": N("3"), "a.b": S("top")])
        #expect(Self.message("SET status = :v", nil, values: [":v": N("1")])
            == "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status")
        #expect(Self.message("SET x = :nothere, y = :v", nil, values: [":v": N("1")])
            == "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nothere")
        #expect(Self.message("SET x = :v", nil, values: [":v": N("1"), ":unused": N("2")])
            == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")
        #expect(Self.message("SET #one = #two", ["pk": S("k"), "a": N("1")], names: ["#one": "c", "#two": "a", "#three": "z"])
            == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#three}")
        #expect(Self.message("SET = :v", nil, values: [":v": N("1")]) == "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"SET = :v\"")
        #expect(Self.message("HELLO b = :v", nil, values: [":v": N("1")]) == "Invalid UpdateExpression: Syntax error; token: \"HELLO\", near: \"HELLO b\"")
        #expect(Self.message("SET :a = :v", nil, values: [":a": N("1"), ":v": N("1")])?.contains("Syntax error") == true)
        #expect(Self.message("SET a = f(b)", nil) == "Invalid UpdateExpression: Invalid function name; function: f")
        #expect(Self.message("SET a = _f(b)", nil)?.contains("Syntax error; token: \"_\"") == true)
        #expect(Self.message("", nil) == "Invalid UpdateExpression: The expression can not be empty;")
        #expect(Self.message("SET a = :v,", nil, values: [":v": N("1")]) == "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\"")
    }

    @Test func applyingDoesNotChangeTheOldItem() throws {
        let old: Item = ["pk": S("k"), "l": .list([N("1"), N("2")]), "m": .map(["a": N("1")])]
        let copy = old
        _ = try applyUpdate("REMOVE l[0] SET m.a = :v", to: old, values: [":v": N("2")])
        #expect(old == copy)
        #expect(dynamoError { _ = try applyUpdate("SET m.a = :v, x.y = :v", to: old, values: [":v": N("2")]) } != nil)
        #expect(old == copy)
    }
}
