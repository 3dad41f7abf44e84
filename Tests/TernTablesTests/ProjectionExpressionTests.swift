import Testing
@testable import TernTables

@Suite struct ProjectionExpressionTests {
    static let item: Item = [
        "pk": S("k"), "a": .map(["b": S("B"), "c": S("C"), "d": S("D")]), "other": S("o"), "x": N("1"),
        "l": .list(["zero", "one", "two", "three", "four"].map(S)),
        "ll": .list([N("0"), N("1"), .map(["x": S("X"), "y": S("Y")]), N("3"), .list([N("40"), N("41")])]),
        "m": .map(["l": .list([S("m0"), S("m1")])]),
    ]

    // Rule 47: nested projection.
    @Test(arguments: [
        ("a.b", ["a": .map(["b": S("B")])] as Item),
        ("a.b, a.c", ["a": .map(["b": S("B"), "c": S("C")])]),
        ("l[1]", ["l": .list([S("one")])]),
        ("l[3], l[0]", ["l": .list([S("zero"), S("three")])]),
        ("ll[2].x", ["ll": .list([.map(["x": S("X")])])]),
        ("ll[4][1]", ["ll": .list([.list([N("41")])])]),
        ("m.l[1]", ["m": .map(["l": .list([S("m1")])])]),
        ("ll[2].x, ll[4][0], ll[0]", ["ll": .list([N("0"), .map(["x": S("X")]), .list([N("40")])])]),
        ("a[0]", [:]),
        ("l.x", [:]),
        ("l[9]", [:]),
        ("a.nope", [:]),
        ("x, nothere", ["x": N("1")]),
        ("x.y", [:]),
        ("pk", ["pk": S("k")]),
    ])
    func rule47_nestedPaths(text: String, expected: Item) throws {
        #expect(try project(text, Self.item) == expected)
    }

    @Test(arguments: [
        ("a, a.b", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"),
        ("a.b, a", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"),
        ("x, x", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [x], path two: [x]"),
        ("l[1], l[1][0]", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l, [1]], path two: [l, [1], [0]]"),
        ("a.b, a[0]", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"),
    ])
    func rule47_overlappingPathsRejected(text: String, message: String) {
        #expect(dynamoError { _ = try project(text, Self.item) }?.message == message)
    }

    // Rule 40: only the listed paths; key attributes are not added; missing paths are omitted.
    @Test func rule40_onlyListedPathsAreReturned() throws {
        #expect(try project("x", Self.item) == ["x": N("1")])
        #expect(try project("nothere", Self.item) == [:])
    }

    // Rules 27-29 for projections.
    @Test func rules27to29_placeholdersInProjections() throws {
        #expect(try project("#o", Self.item, names: ["#o": "other"]) == ["other": S("o")])
        #expect(dynamoError { _ = try project("other", Self.item) }?.message
            == "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: other")
        #expect(dynamoError { _ = try project("#x", Self.item) }?.message
            == "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #x")
        #expect(dynamoError { _ = try project("x", Self.item, names: ["#u": "u"]) }?.message
            == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}")
        #expect(try project("#ab", ["a.b": S("top"), "a": .map(["b": S("nested")])], names: ["#ab": "a.b"]) == ["a.b": S("top")])
        #expect(try project("#a.#b", ["a.b": S("top"), "a": .map(["b": S("nested")])], names: ["#a": "a", "#b": "b"])
            == ["a": .map(["b": S("nested")])])
    }

    @Test(arguments: [
        ("x,, y", "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",, y\""),
        ("x y", "Invalid ProjectionExpression: Syntax error; token: \"y\", near: \"x y\""),
        ("x,", "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\""),
        ("x[", "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \"[\""),
        ("x[-1]", "Invalid ProjectionExpression: Syntax error; token: \"-\", near: \"[-1\""),
        ("x.[1]", "Invalid ProjectionExpression: Syntax error; token: \"[\", near: \".[1\""),
        (":v", "Invalid ProjectionExpression: Syntax error; token: \":v\", near: \":v\""),
        ("size(x)", "Invalid ProjectionExpression: Syntax error; token: \"(\", near: \"size(x\""),
    ])
    func syntaxErrors(text: String, message: String) {
        #expect(dynamoError { _ = try project(text, Self.item) }?.message == message)
    }

    @Test func topLevelNamesDriveThePartialDecode() throws {
        var attributes = ExpressionAttributes.none
        let projection = try ProjectionExpression("a.b, l[0], x", attributes: &attributes)
        #expect(projection.topLevelNames == ["a", "l", "x"])
        let encoded = ItemCodec.encode(Self.item)
        let partial = try ItemCodec.decode(encoded, attributes: projection.topLevelNames)
        #expect(projection.apply(to: partial) == projection.apply(to: Self.item))
        #expect(partial["ll"] == nil)
    }

    @Test func documentPathDepthIsLimited() {
        let path = "a" + String(repeating: ".b", count: 32)
        #expect(dynamoError { _ = try project(path, [:]) }?.message
            == "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33")
        #expect(dynamoError { _ = try project("a" + String(repeating: ".b", count: 31), [:]) } == nil)
    }
}
