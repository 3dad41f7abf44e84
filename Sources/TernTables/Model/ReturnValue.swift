/// What a write returns in `Attributes` (`ReturnValues`).
public enum ReturnValue: String, Sendable, CaseIterable {
    /// Nothing.
    case none = "NONE"
    /// The whole item before the write (nothing if there was none).
    case allOld = "ALL_OLD"
    /// The updated attributes as they were before (those that existed).
    case updatedOld = "UPDATED_OLD"
    /// The whole item after the write.
    case allNew = "ALL_NEW"
    /// The updated attributes as they are after the write.
    case updatedNew = "UPDATED_NEW"

    /// Parses a `ReturnValues` parameter, accepting only `allowed` (PutItem and DeleteItem allow
    /// NONE and ALL_OLD; UpdateItem allows all five).
    ///
    /// - Throws: `ValidationException` for any other value.
    public init(parsing text: String, allowed: Set<ReturnValue> = Set(ReturnValue.allCases)) throws(DynamoError) {
        guard let value = ReturnValue(rawValue: text), allowed.contains(value) else {
            throw .validation("ReturnValues can only be \(ReturnValue.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: " or ")); found: \(text)")
        }
        self = value
    }
}
