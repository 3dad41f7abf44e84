import TernWire

/// When a `TableClient` tries a failed request again, and how long it waits: exponential
/// backoff with full jitter, as the AWS SDKs do.
///
/// Before retry `n` (1 for the first) the client waits a time drawn uniformly from
/// `0 ... min(maxDelay, baseDelay × 2^(n−1))`. With the `standard` policy that is up to 50 ms
/// before the first retry, up to 100 ms before the second, and so on (DynamoDB's documented
/// schedule), at most 10 attempts: about 25 s of waiting at most, then the last error is thrown.
/// Full jitter spreads clients that were throttled together, so they do not return together.
///
/// **What is retried** (`retries(_:)`): the server's throttling errors
/// (`ProvisionedThroughputExceededException`, `ThrottlingException`, `RequestLimitExceeded`, and
/// the other names in `throttlingErrors`) and its own failures (HTTP 5xx: `InternalServerError`,
/// `ServiceUnavailable`). Never a client error: `ConditionalCheckFailedException`,
/// `ValidationException`, `TransactionCanceledException`, a signature refused, ... would fail
/// the same way again. A transport failure after the request went out (a timeout, a connection
/// closed before the response) is retried for reads only: a write whose fate is unknown is not
/// sent twice, because a repeated `ADD` or `list_append` would apply twice. A connection that
/// cannot be made is not retried here: the HTTP client already keeps trying to connect, with
/// backoff, for the whole `connectTimeout`.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1: no retries).
    public var maxAttempts: Int
    /// The ceiling of the first retry's delay; it doubles with each retry.
    public var baseDelay: Duration
    /// The largest ceiling.
    public var maxDelay: Duration

    /// A policy. `maxAttempts` below 1 counts as 1.
    public init(maxAttempts: Int, baseDelay: Duration, maxDelay: Duration) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Up to 10 attempts, 50 ms doubling to at most 20 s (DynamoDB's SDK defaults).
    public static let standard = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(50), maxDelay: .seconds(20))
    /// One attempt: every failure is thrown at once.
    public static let none = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero)

    /// The error names that mean "slow down" (the AWS SDKs' list, DynamoDB's among them).
    public static let throttlingErrors: Set<String> = [
        "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
        "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "TransactionInProgressException",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    ]

    /// Whether the server's `error` is worth another attempt: throttling or a server failure.
    public func retries(_ error: WireError) -> Bool {
        Self.throttlingErrors.contains(error.name) || error.status >= 500
    }

    /// The ceiling of the delay before retry `retry` (1 for the first):
    /// `min(maxDelay, baseDelay × 2^(retry−1))`.
    public func delayCeiling(beforeRetry retry: Int) -> Duration {
        var ceiling = baseDelay
        for _ in 1..<max(1, retry) {
            if ceiling >= maxDelay { break }
            ceiling *= 2
        }
        return min(ceiling, maxDelay)
    }

    /// The delay before retry `retry`: uniform in `0 ... delayCeiling(beforeRetry: retry)`.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = delayCeiling(beforeRetry: retry)
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }
}
