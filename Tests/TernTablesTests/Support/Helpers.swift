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
