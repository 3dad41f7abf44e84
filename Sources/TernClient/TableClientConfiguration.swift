import Logging
import TernTables

/// Where a `TableClient` sends its requests, how it signs them, and how long and how often it
/// tries.
///
/// ```swift
/// let configuration = TableClientConfiguration(
///     endpoint: "http://127.0.0.1:8000", region: "us-east-1",
///     credentials: try SigningCredentials.environment())
/// ```
public struct TableClientConfiguration: Sendable {
    /// The endpoint's URL: `http://127.0.0.1:8000` (a Tern node, moto, DynamoDB Local),
    /// `https://dynamodb.eu-west-1.amazonaws.com` (DynamoDB), `http://alternator:8000`
    /// (ScyllaDB Alternator). A path, when given, is sent as it is (percent-encoded by you).
    public var endpoint: String
    /// The region requests are signed for (`us-east-1`). A Tern node accepts any; DynamoDB
    /// requires the endpoint's own.
    public var region: String
    /// The access key that signs every request.
    public var credentials: SigningCredentials
    /// The service name in the signature's scope (`dynamodb` for every DynamoDB-API endpoint).
    public var signingService: String = "dynamodb"
    /// How long establishing a connection may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long one attempt of a request may take, from sending it to the end of its response.
    /// A request that is retried gets this much for each attempt.
    public var requestTimeout: Duration = .seconds(30)
    /// When and how a failed request is tried again (throttling, server errors).
    public var retryPolicy: RetryPolicy = .standard
    /// The largest response body accepted; a larger one fails the request (`TableClientError`).
    /// A Query or Scan page holds at most 1 MB of items; BatchGetItem up to 16 MB.
    public var maxResponseBytes: Int = 64 << 20
    /// Connections idle this long are closed by the client. Shorter than the idle timeout of
    /// the servers it talks to (a Tern node closes after 60 s), so a request is not sent on a
    /// connection the server is closing.
    public var idleConnectionTimeout: Duration = .seconds(20)
    /// Connections kept open to the endpoint (more requests in flight queue for one). A Tern
    /// node shares one fsync among the synced writes in flight together, so writers from many
    /// tasks go faster with more connections.
    public var maxConnections: Int = 16
    /// Where retries are logged (debug); silent by default.
    public var logger: Logger = Logger(label: "tern.client", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Called before each retry (after its delay was chosen and before it is waited): for
    /// metrics and tests. It must not block.
    public var retryObserver: (@Sendable (RetryEvent) -> Void)?
    /// The clock that dates signatures, in seconds since the epoch (tests inject one; the
    /// system's real-time clock otherwise). A server refuses a signature more than 15 minutes
    /// away from its own clock.
    public var epochSeconds: @Sendable () -> Int64 = { TableClock.system.nowEpochSeconds() }

    /// A configuration with the defaults above.
    public init(endpoint: String, region: String, credentials: SigningCredentials) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
    }
}

/// A retry about to happen, as `TableClientConfiguration.retryObserver` sees it.
public struct RetryEvent: Sendable {
    /// The operation (`PutItem`, `Nearby`, ...).
    public var operation: String
    /// The attempt that failed, from 1.
    public var failedAttempt: Int
    /// Why it failed: the server's error or the transport's.
    public var error: any Error
    /// How long the client waits before the next attempt.
    public var delay: Duration
}

/// The endpoint's URL in parts.
struct Endpoint: Sendable, Equatable {
    var scheme: String
    var host: String
    var port: Int?
    /// The path requests go to (`/` unless the URL names another).
    var path: String

    /// Parses `http[s]://host[:port][/path]` (an IPv6 host in brackets).
    init(parsing url: String) throws(TableClientError) {
        func invalid(_ why: String) -> TableClientError {
            TableClientError(.invalidConfiguration, "endpoint '\(url)' \(why) (expected http://HOST[:PORT] or https://HOST[:PORT])")
        }
        guard let separator = url.range(of: "://") else { throw invalid("has no scheme") }
        scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw invalid("has scheme '\(scheme)'") }
        var rest = url[separator.upperBound...]
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        } else {
            path = "/"
        }
        guard !path.contains("?"), !path.contains("#") else { throw invalid("has a query or fragment") }
        var hostPart = rest
        var portPart: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("has an unclosed IPv6 address") }
            hostPart = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("has text after its IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !hostPart.contains("@") else { throw invalid("has no host") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65_535).contains(number) else { throw invalid("has port '\(portPart)'") }
            port = number
        }
    }

    /// The URL requests are sent to.
    var url: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)"
    }

    /// The `Host` header (signed): the port only when it is not the scheme's default, as HTTP
    /// clients send it.
    var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }
}
