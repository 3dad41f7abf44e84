/// A failure of the client itself, not of the server: a configuration it cannot use, a response
/// it cannot read, a client that was shut down.
///
/// The server's errors are not these: a table-layer error arrives as `DynamoError`
/// (`ConditionalCheckFailedException`, ...), any other error the server names as `WireError`
/// (`ProvisionedThroughputExceededException`, `UnrecognizedClientException`, ...). Transport
/// failures (connection refused, timeouts) are async-http-client's errors, passed through.
public struct TableClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The configuration cannot be used (a malformed endpoint, missing credentials).
        case invalidConfiguration
        /// The server answered 200 with a body that is not the operation's response, or a body
        /// larger than `maxResponseBytes`.
        case invalidResponse
        /// The response's body does not match its `x-amz-crc32` checksum: it was damaged on the
        /// way (a read is retried; a write's outcome is unknown).
        case corruptResponse
        /// `shutdown()` was called; the client sends nothing more.
        case shutDown
    }

    /// What kind of failure.
    public var code: Code
    /// What happened, for people.
    public var message: String

    /// An error of `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
