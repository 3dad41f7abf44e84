@testable import TernTables

/// `.number` from text, trapping on bad input (test fixtures only).
func num(_ text: String) -> Number {
    do { return try Number(text) } catch { fatalError("bad test number \(text): \(error)") }
}

func N(_ text: String) -> AttributeValue { .number(num(text)) }
func S(_ text: String) -> AttributeValue { .string(text) }
func B(_ bytes: [UInt8]) -> AttributeValue { .binary(bytes) }

/// The `DynamoError` thrown by `body`, or nil if it did not throw. Any other error is a failure
/// reported as a `DynamoError` with an impossible message, so tests comparing messages fail.
func dynamoError(_ body: () throws -> Void) -> DynamoError? {
    do {
        try body()
        return nil
    } catch let error as DynamoError {
        return error
    } catch {
        return DynamoError(.validation, "unexpected non-DynamoError: \(error)")
    }
}

/// Hex of bytes, for golden vectors.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }.joined()
}

/// Bytes from hex (spaces ignored), for golden vectors.
func bytes(hex text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// Expression attributes for tests (trapping on invalid fixtures).
func attributes(names: [String: String]? = nil, values: [String: AttributeValue]? = nil) -> ExpressionAttributes {
    do { return try ExpressionAttributes(names: names, values: values) } catch { fatalError("bad fixture: \(error)") }
}

/// Parses a condition the way a request does (placeholders checked for use) and evaluates it.
func evaluateCondition(
    _ text: String, on item: Item, names: [String: String]? = nil, values: [String: AttributeValue]? = nil,
    kind: ExpressionKind = .condition
) throws -> Bool {
    var attributes = try ExpressionAttributes(names: names, values: values)
    let condition = try ConditionExpression(text, kind: kind, attributes: &attributes)
    try attributes.checkAllUsed()
    return condition.evaluate(item)
}

/// Parses and applies an update the way UpdateItem does.
func applyUpdate(
    _ text: String, to item: Item?, key: Item = ["pk": S("k")], schema: KeySchema = KeySchema(partitionKey: .init(name: "pk", type: .string)),
    names: [String: String]? = nil, values: [String: AttributeValue]? = nil
) throws -> UpdateResult {
    var attributes = try ExpressionAttributes(names: names, values: values)
    let update = try UpdateExpression(text, attributes: &attributes)
    try attributes.checkAllUsed()
    return try update.apply(to: item, key: key, keySchema: schema)
}

/// Parses and applies a projection the way GetItem does.
func project(_ text: String, _ item: Item, names: [String: String]? = nil) throws -> Item {
    var attributes = try ExpressionAttributes(names: names)
    let projection = try ProjectionExpression(text, attributes: &attributes)
    try attributes.checkAllUsed()
    return projection.apply(to: item)
}
