/// Which request parameter an expression came from; it names the expression in error messages
/// ("Invalid UpdateExpression: ...") and decides which functions are allowed.
package enum ExpressionKind: String, Sendable {
    /// A write's `ConditionExpression`.
    case condition = "ConditionExpression"
    /// A Query's or Scan's `FilterExpression`.
    case filter = "FilterExpression"
    /// A Query's `KeyConditionExpression`.
    case keyCondition = "KeyConditionExpression"
    /// UpdateItem's `UpdateExpression`.
    case update = "UpdateExpression"
    /// A read's `ProjectionExpression`.
    case projection = "ProjectionExpression"

    /// The longest expression DynamoDB accepts, in UTF-8 bytes.
    package static let maxLengthBytes = 4096

    /// A `ValidationException` about this expression, in DynamoDB's "Invalid <Kind>: <detail>" form.
    func error(_ detail: String, offset: Int? = nil) -> DynamoError {
        .validation("Invalid \(rawValue): \(detail)", offset: offset)
    }
}
