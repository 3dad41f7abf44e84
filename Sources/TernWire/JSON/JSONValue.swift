/// A parsed JSON document: what `JSONParser` produces and the wire codecs read.
///
/// Numbers keep their text (`number("1.50")`): DynamoDB's own numbers travel as strings inside
/// `{"N": ...}`, and the few JSON numbers of the protocol (`Limit`, `Segment`, capacity units)
/// are converted where they are read, so no value ever passes through a binary floating point.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A JSON number literal, exactly as written (it matched JSON's number grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object's members. A name given twice keeps its last value (as Jackson, behind
    /// DynamoDB's front end, does by default).
    case object([String: JSONValue])

    /// The JSON type's name as DynamoDB's serialization errors word it.
    var kindName: String {
        switch self {
        case .null: "NULL_VALUE"
        case .bool: "BOOLEAN_VALUE"
        case .number: "NUMBER_VALUE"
        case .string: "STRING_VALUE"
        case .array: "START_ARRAY"
        case .object: "START_OBJECT"
        }
    }
}
