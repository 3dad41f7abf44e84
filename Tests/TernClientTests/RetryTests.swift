import AsyncHTTPClient
import Glibc
import NIOCore
import Testing
import TernServer
import TernTables
import TernTesting
import TernWire

@testable import TernClient

/// The retry policy's arithmetic, and the client's retry loop against a scripted server: what is
/// retried, what is not, how long it waits, and what finally surfaces.
@Suite struct RetryTests {
    @Test("delays: full jitter under a ceiling that doubles from the base up to the maximum")
    func delays() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(50), maxDelay: .seconds(20))
        #expect(policy.delayCeiling(beforeRetry: 1) == .milliseconds(50))
        #expect(policy.delayCeiling(beforeRetry: 2) == .milliseconds(100))
        #expect(policy.delayCeiling(beforeRetry: 9) == .milliseconds(12_800))
        #expect(policy.delayCeiling(beforeRetry: 10) == .seconds(20))
        #expect(policy.delayCeiling(beforeRetry: 1_000) == .seconds(20))
        var random = SeededGenerator.fromEnvironment("retry-delays")
        for retry in 1...12 {
            let ceiling = policy.delayCeiling(beforeRetry: retry)
            let delays = (0..<400).map { _ in policy.delay(beforeRetry: retry, using: &random) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling }, "seed \(random.seed)")
            // Full jitter: spread over the whole range, not clustered at the ceiling.
            #expect(delays.contains { $0 < ceiling / 4 } && delays.contains { $0 > ceiling * 3 / 4 }, "seed \(random.seed)")
        }
        #expect(RetryPolicy.none.maxAttempts == 1)
        #expect(RetryPolicy(maxAttempts: 0, baseDelay: .zero, maxDelay: .zero).maxAttempts == 1)
    }

    @Test("throttling and server errors are retried; client errors never")
    func classification() {
        let policy = RetryPolicy.standard
        for name in ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"] {
            #expect(policy.retries(WireError(name: name, message: "")))
        }
        #expect(policy.retries(WireError(name: "InternalServerError", message: "", status: 500)))
        #expect(policy.retries(WireError(name: "ServiceUnavailable", message: "", status: 503)))
        for name in ["ConditionalCheckFailedException", "ValidationException", "TransactionCanceledException",
                     "ResourceNotFoundException", "UnrecognizedClientException", "InvalidSignatureException"] {
            #expect(!policy.retries(WireError(name: name, message: "")))
        }
        // Transport: a request that may have reached the server is retried only when it is
        // idempotent; one that found no connection not at all (the HTTP client kept trying to
        // connect for the whole connect timeout already).
        #expect(!TableClient.isRetryable(transport: HTTPClientError.connectTimeout, idempotent: true))
        #expect(!TableClient.isRetryable(transport: IOError(errnoCode: ECONNREFUSED, reason: "connect"), idempotent: true))
        #expect(TableClient.isRetryable(transport: IOError(errnoCode: ECONNRESET, reason: "read"), idempotent: true))
        #expect(TableClient.isRetryable(transport: HTTPClientError.readTimeout, idempotent: true))
        #expect(!TableClient.isRetryable(transport: HTTPClientError.readTimeout, idempotent: false))
        #expect(!TableClient.isRetryable(transport: HTTPClientError.deadlineExceeded, idempotent: false))
        #expect(!TableClient.isRetryable(transport: CancellationError(), idempotent: true))
    }

    static let getItem = GetItemRequest(tableName: "T", key: ["pk": "a"])
    static let putItem = PutItemRequest(tableName: "T", item: ["pk": "a"])
    static func error(_ name: String, _ message: String = "m", namespace: String = WireError.dynamoNamespace) -> String {
        "{\"__type\":\"\(namespace)#\(name)\",\"message\":\"\(message)\"}"
    }

    /// A client for `server`, observing its retries.
    static func client(_ endpoint: String, retry: RetryPolicy, timeout: Duration = .seconds(10))
        throws -> (TableClient, RetryLog)
    {
        let events = RetryLog()
        var configuration = ClientTestSupport.configuration(endpoint, retry: retry)
        configuration.requestTimeout = timeout
        configuration.retryObserver = { events.append($0) }
        let client = try TableClient(configuration: configuration)
        return (client, events)
    }

    @Test("5xx answers are retried until one succeeds, with delays under the policy's ceilings")
    func serverErrorsAreRetried() async throws {
        let server = ScriptedHTTPServer([
            .respond(status: 500, body: Self.error("InternalServerError")),
            .respond(status: 503, body: Self.error("ServiceUnavailable")),
            .respond(status: 502, body: "<html>bad gateway</html>"),
            .respond(status: 200, body: "{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}}"),
        ])
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(4), maxDelay: .milliseconds(20))
        let (client, events) = try Self.client(try await server.start(), retry: policy)
        let response = try await client.getItem(Self.getItem)
        #expect(response.item == ["pk": "a", "n": .number(try Number("1.5"))])
        #expect(server.requests.count == 4)
        let seen = events.all
        #expect(seen.map(\.failedAttempt) == [1, 2, 3])
        #expect(seen.map { ($0.error as? WireError)?.status } == [500, 503, 502])
        #expect(zip(seen, 1...).allSatisfy { $0.delay <= policy.delayCeiling(beforeRetry: $1) })
        #expect(seen.allSatisfy { $0.operation == "GetItem" })
        try await client.shutdown()
        await server.stop()
    }

    @Test("a conditional check failure is thrown at once as DynamoError with its item, never retried")
    func clientErrorsAreNotRetried() async throws {
        let body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\",\"message\":\"The conditional request failed\",\"Item\":{\"pk\":{\"S\":\"a\"}}}"
        let server = ScriptedHTTPServer([.respond(status: 400, body: body)])
        let (client, events) = try Self.client(try await server.start(), retry: ClientTestSupport.fastRetries)
        do {
            try await client.putItem(Self.putItem, durability: .synced)
            Issue.record("no error")
        } catch let error as DynamoError {
            #expect(error.code == .conditionalCheckFailed)
            #expect(error.message == "The conditional request failed")
            #expect(error.item == ["pk": "a"])
        }
        #expect(server.requests.count == 1)
        #expect(events.all.isEmpty)
        try await client.shutdown()
        await server.stop()
    }

    @Test("throttling is retried; once the attempts are spent its error surfaces as WireError")
    func throttlingExhausted() async throws {
        let server = ScriptedHTTPServer([.respond(status: 400, body: Self.error("ThrottlingException", "Rate exceeded"))])
        let (client, events) = try Self.client(
            try await server.start(), retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        await #expect(throws: WireError(name: "ThrottlingException", message: "Rate exceeded")) {
            _ = try await client.getItem(Self.getItem)
        }
        #expect(server.requests.count == 4)
        #expect(events.all.count == 3)
        try await client.shutdown()
        await server.stop()
    }

    @Test("a request that times out is retried when it is a read, never when it is a write")
    func timeouts() async throws {
        let server = ScriptedHTTPServer([.hang])
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
        let (client, _) = try Self.client(try await server.start(), retry: policy, timeout: .milliseconds(300))
        await #expect(throws: HTTPClientError.self) { _ = try await client.getItem(Self.getItem) }
        #expect(server.requests.count == 2)
        // The write may have been applied: sending it again could apply it twice.
        await #expect(throws: HTTPClientError.self) { try await client.putItem(Self.putItem, durability: .synced) }
        #expect(server.requests.count == 3)
        try await client.shutdown()
        await server.stop()
    }

    @Test("a cancelled task stops waiting between retries")
    func cancellationBetweenRetries() async throws {
        let server = ScriptedHTTPServer([.respond(status: 500, body: Self.error("InternalServerError"))])
        let (client, _) = try Self.client(
            try await server.start(), retry: RetryPolicy(maxAttempts: 5, baseDelay: .seconds(600), maxDelay: .seconds(600)))
        let task = Task { try await client.getItem(Self.getItem) }
        #expect(await eventually { server.requests.count == 1 })
        let started = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        // Well under the 600 s retry delay it must not wait for (generous: under the whole suite an
        // await can wait a minute or more for a cooperative thread).
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(server.requests.count == 1)
        // A task cancelled before its request is sent sends nothing.
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.getItem(Self.getItem)
        }
        await #expect(throws: CancellationError.self) { _ = try await cancelled.value }
        #expect(server.requests.count == 1)
        try await client.shutdown()
        await server.stop()
    }

    @Test("what the client sends is signed over the bytes and headers as they arrive")
    func sentRequestsVerify() async throws {
        let server = ScriptedHTTPServer([.respond(status: 200, body: "{}")])
        let endpoint = try await server.start()
        let secret = "se/cr+et"
        var configuration = ClientTestSupport.configuration(
            endpoint, credentials: SigningCredentials(accessKeyID: "AKIDSENT", secretAccessKey: secret, sessionToken: "tok"))
        configuration.epochSeconds = { 1_700_000_000 }
        let client = try TableClient(configuration: configuration)
        _ = try await client.getItem(Self.getItem)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.uri == "/")
        #expect(request.headers.contains { $0.0.lowercased() == "x-amz-target" && $0.1 == "DynamoDB_20120810.GetItem" })
        #expect(request.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "application/x-amz-json-1.0" })
        #expect(try GetItemRequest(wireBytes: request.body).key == Self.getItem.key)
        let verifier = SignatureV4Verifier(credentials: Credentials(secrets: ["AKIDSENT": secret]))
        #expect(try verifier.verify(
            SignatureV4Verifier.Request(method: request.method, uri: request.uri, headers: request.headers, body: request.body),
            nowEpochSeconds: 1_700_000_000) == "AKIDSENT")
        try await client.shutdown()
        await server.stop()
    }

    @Test("a 200 whose body is not the response, or is too large, is TableClientError.invalidResponse")
    func invalidResponses() async throws {
        let server = ScriptedHTTPServer([
            .respond(status: 200, body: "not json"), .respond(status: 200, body: "{\"Item\": \(String(repeating: " ", count: 5_000))}"),
        ])
        var configuration = ClientTestSupport.configuration(try await server.start())
        configuration.maxResponseBytes = 4_096
        let client = try TableClient(configuration: configuration)
        await #expect { _ = try await client.getItem(Self.getItem) } throws: { ($0 as? TableClientError)?.code == .invalidResponse }
        await #expect { _ = try await client.getItem(Self.getItem) } throws: { ($0 as? TableClientError)?.code == .invalidResponse }
        try await client.shutdown()
        // After shutdown nothing is sent.
        let sent = server.requests.count
        await #expect { _ = try await client.getItem(Self.getItem) } throws: { ($0 as? TableClientError)?.code == .shutDown }
        #expect(server.requests.count == sent)
        await server.stop()
    }

    @Test("x-amz-crc32: CRC-32 as zlib computes it; a damaged response is never decoded (a read retried, a write reported)")
    func responseChecksums() async throws {
        #expect(ResponseChecksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ResponseChecksum.crc32([]) == 0)
        let body = "{\"Item\":{\"pk\":{\"S\":\"a\"}}}"
        let right = String(ResponseChecksum.crc32(Array(body.utf8)))
        let server = ScriptedHTTPServer([
            .respond(status: 200, body: body, headers: [("x-amz-crc32", "12345")]),
            .respond(status: 200, body: body, headers: [("x-amz-crc32", right)]),
            .respond(status: 200, body: "{}", headers: [("x-amz-crc32", "1")]),
        ])
        let (client, events) = try Self.client(try await server.start(), retry: ClientTestSupport.fastRetries)
        #expect(try await client.getItem(Self.getItem).item == ["pk": "a"])
        #expect(events.all.map { ($0.error as? TableClientError)?.code } == [.corruptResponse])
        await #expect { try await client.putItem(Self.putItem, durability: .synced) } throws: {
            ($0 as? TableClientError)?.code == .corruptResponse
        }
        #expect(server.requests.count == 3)
        try await client.shutdown()
        await server.stop()
    }
}
