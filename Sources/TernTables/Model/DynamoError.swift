/// A client-visible error of the table layer, named the way DynamoDB names it.
///
/// Every error a request can cause maps to one of DynamoDB's error names (`code.rawValue`), and its
/// `message` uses DynamoDB's wording where that wording is known, so a client written against
/// DynamoDB sees what it expects. Programmer errors trap instead; storage failures are the engine's
/// `TernError`.
public struct DynamoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// DynamoDB's error name. The raw value is the wire name (the suffix of `__type`).
    public enum Code: String, Sendable, Equatable {
        /// The request is malformed or breaks a limit; nothing was read or written.
        case validation = "ValidationException"
        /// A `ConditionExpression` evaluated to false; nothing was written.
        case conditionalCheckFailed = "ConditionalCheckFailedException"
        /// The table (or index) does not exist.
        case resourceNotFound = "ResourceNotFoundException"
        /// The table already exists, or is being changed.
        case resourceInUse = "ResourceInUseException"
        /// A transaction was cancelled; `cancellationReasons` says why, one entry per request.
        case transactionCanceled = "TransactionCanceledException"
        /// Point-in-time recovery: no archive is configured, so backups cannot be switched on.
        case continuousBackupsUnavailable = "ContinuousBackupsUnavailableException"
        /// Point-in-time recovery is not enabled for the source table of a restore.
        case pointInTimeRecoveryUnavailable = "PointInTimeRecoveryUnavailableException"
        /// The restore time is outside the table's restorable window.
        case invalidRestoreTime = "InvalidRestoreTimeException"
        /// A restore's source table does not exist.
        case tableNotFound = "TableNotFoundException"
        /// A restore's target table exists already.
        case tableAlreadyExists = "TableAlreadyExistsException"
    }

    /// Why one request of a cancelled transaction failed (or `None` if it did not).
    public struct CancellationReason: Sendable, Equatable {
        /// DynamoDB's reason code: `None`, `ConditionalCheckFailed`, `ValidationError`, ...
        public var code: String
        /// A human-readable explanation, when there is one.
        public var message: String?
        /// The old item, when the request asked for it with `ReturnValuesOnConditionCheckFailure`.
        public var item: Item?

        /// A reason with DynamoDB's `code` (`None`, `ConditionalCheckFailed`, ...).
        public init(code: String, message: String? = nil, item: Item? = nil) {
            self.code = code
            self.message = message
            self.item = item
        }

        /// The reason of a request that did not cause the cancellation.
        public static let none = CancellationReason(code: "None")
    }

    /// Which error this is.
    public let code: Code
    /// What went wrong, in DynamoDB's phrasing where known.
    public let message: String
    /// For `transactionCanceled`: one reason per request, in request order.
    public var cancellationReasons: [CancellationReason]
    /// For `conditionalCheckFailed` with `ReturnValuesOnConditionCheckFailure=ALL_OLD`: the old item.
    public var item: Item?
    /// For expression errors: the UTF-8 byte offset in the expression where the problem was found.
    public var offset: Int?

    /// An error of kind `code` with `message`, and the optional details of its kind.
    public init(
        _ code: Code, _ message: String, cancellationReasons: [CancellationReason] = [],
        item: Item? = nil, offset: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.cancellationReasons = cancellationReasons
        self.item = item
        self.offset = offset
    }

    /// DynamoDB's error name, e.g. `ValidationException`.
    public var name: String { code.rawValue }

    /// `<Name>: <message>`, e.g. `ValidationException: ...`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// A `ValidationException` with `message`.
    public static func validation(_ message: String, offset: Int? = nil) -> DynamoError {
        DynamoError(.validation, message, offset: offset)
    }

    /// The `ConditionalCheckFailedException` of a failed condition, optionally carrying the old item.
    public static func conditionalCheckFailed(item: Item? = nil) -> DynamoError {
        DynamoError(.conditionalCheckFailed, "The conditional request failed", item: item)
    }

    /// A `TransactionCanceledException` listing `reasons` in request order.
    public static func transactionCanceled(_ reasons: [CancellationReason]) -> DynamoError {
        let codes = reasons.map(\.code).joined(separator: ", ")
        return DynamoError(
            .transactionCanceled, "Transaction cancelled, please refer cancellation reasons for specific reasons [\(codes)]",
            cancellationReasons: reasons)
    }
}
