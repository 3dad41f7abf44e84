import TernTables

/// An error as the DynamoDB wire protocol carries it: an HTTP status, a `__type`
/// (`<namespace>#<Name>`) and a `message`, plus `CancellationReasons` and `Item` where DynamoDB
/// sends them.
///
/// The node answers every failed request with one; a remote client decodes one from every
/// non-200 response (`WireError.decode(status:body:)`) and turns it back into a `DynamoError`
/// when the name is one the table layer has (`dynamoError`).
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error's name, the part of `__type` after `#` (`ValidationException`).
    public var name: String
    public var message: String
    /// The HTTP status: 400 for a client's error, 500 for the server's own fault.
    public var status: Int
    /// The namespace before `#`. DynamoDB's own errors use `com.amazonaws.dynamodb.v20120810`;
    /// the protocol front end's (serialization, unknown operation, authentication) use
    /// `com.amazon.coral.service`.
    public var namespace: String
    /// TransactionCanceledException's reasons, one per request, in request order.
    public var cancellationReasons: [DynamoError.CancellationReason]
    /// ConditionalCheckFailedException's current item (`ReturnValuesOnConditionCheckFailure=ALL_OLD`).
    public var item: Item?

    public static let dynamoNamespace = "com.amazonaws.dynamodb.v20120810"
    public static let coralNamespace = "com.amazon.coral.service"

    public init(
        name: String, message: String, status: Int = 400, namespace: String = WireError.dynamoNamespace,
        cancellationReasons: [DynamoError.CancellationReason] = [], item: Item? = nil
    ) {
        self.name = name
        self.message = message
        self.status = status
        self.namespace = namespace
        self.cancellationReasons = cancellationReasons
        self.item = item
    }

    /// A table-layer error as DynamoDB sends it (HTTP 400).
    public init(_ error: DynamoError) {
        self.init(
            name: error.code.rawValue, message: error.message, cancellationReasons: error.cancellationReasons,
            item: error.item)
    }

    /// `<namespace>#<name>`.
    public var type: String { "\(namespace)#\(name)" }

    public var description: String { "\(name): \(message)" }

    /// The table layer's error of the same name, or nil for a name the table layer does not have
    /// (throttling, authentication, serialization).
    public var dynamoError: DynamoError? {
        guard let code = DynamoError.Code(rawValue: name) else { return nil }
        return DynamoError(code, message, cancellationReasons: cancellationReasons, item: item)
    }

    // MARK: - The errors the protocol layer itself raises

    /// The body is not JSON, or a member has the wrong JSON type (DynamoDB: SerializationException).
    public static func serialization(_ message: String) -> WireError {
        WireError(name: "SerializationException", message: message, namespace: coralNamespace)
    }

    /// A member failed a constraint before the table layer saw the request.
    public static func validation(_ message: String) -> WireError {
        WireError(name: "ValidationException", message: message)
    }

    /// A required member is absent, worded as DynamoDB words it.
    public static func missing(_ member: WirePath) -> WireError {
        validation(
            "1 validation error detected: Value null at '\(member)' failed to satisfy constraint: Member must not be null")
    }

    /// The `X-Amz-Target` names no operation this node serves.
    public static func unknownOperation(_ target: String) -> WireError {
        WireError(
            name: "UnknownOperationException", message: "Unknown operation: \(target)", namespace: coralNamespace)
    }

    /// The node's own fault (HTTP 500), never a client's.
    public static func internalServerError(_ message: String) -> WireError {
        WireError(name: "InternalServerError", message: message, status: 500)
    }
}
