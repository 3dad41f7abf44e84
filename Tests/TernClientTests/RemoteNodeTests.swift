import Glibc
import Testing
import TernClient
import TernServer
import TernTables

/// The client against nodes configured as deployments are: signatures required
/// (`--credentials`), throttling on, no archive.
@Suite struct RemoteNodeTests {
    static let table = CreateTableRequest(
        tableName: "Users", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
        attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest)

    @Test("with --credentials: signed requests are accepted, a wrong secret or an unknown key refused with DynamoDB's names, never retried")
    func signatures() async throws {
        let node = try await ClientTestSupport.startNode("auth", credentials: Credentials(secrets: ["AKIDTERN": "right/secret+"]))
        let good = try ClientTestSupport.client(node, credentials: SigningCredentials(accessKeyID: "AKIDTERN", secretAccessKey: "right/secret+"))
        try await good.createTable(Self.table, durability: .synced)
        try await good.putItem(PutItemRequest(tableName: "Users", item: ["pk": "a"]), durability: .synced)
        #expect(try await good.getItem(GetItemRequest(tableName: "Users", key: ["pk": "a"])).item == ["pk": "a"])
        // Temporary credentials: the token travels signed (the node checks the signature).
        let temporary = try ClientTestSupport.client(
            node, credentials: SigningCredentials(accessKeyID: "AKIDTERN", secretAccessKey: "right/secret+", sessionToken: "token"))
        #expect(try await temporary.getItem(GetItemRequest(tableName: "Users", key: ["pk": "a"])).item == ["pk": "a"])

        let retries = RetryLog()
        var wrongSecret = ClientTestSupport.configuration(
            ClientTestSupport.endpoint(node), credentials: SigningCredentials(accessKeyID: "AKIDTERN", secretAccessKey: "wrong"))
        wrongSecret.retryObserver = { retries.append($0) }
        let wrong = try TableClient(configuration: wrongSecret)
        await #expect { try await wrong.putItem(PutItemRequest(tableName: "Users", item: ["pk": "b"]), durability: .synced) } throws: {
            ($0 as? WireError)?.name == "InvalidSignatureException" && ($0 as? WireError)?.namespace == WireError.coralNamespace
        }
        let stranger = try ClientTestSupport.client(node, credentials: SigningCredentials(accessKeyID: "AKIDOTHER", secretAccessKey: "x"))
        await #expect { _ = try await stranger.getItem(GetItemRequest(tableName: "Users", key: ["pk": "a"])) } throws: {
            ($0 as? WireError)?.name == "UnrecognizedClientException"
        }
        #expect(retries.all.isEmpty)
        // Nothing the refused requests carried was written.
        #expect(try await good.getItem(GetItemRequest(tableName: "Users", key: ["pk": "b"])).item == nil)
        for client in [good, temporary, wrong, stranger] { try await client.shutdown() }
        await node.shutdown()
    }

    @Test("a throttled node: writes succeed after retries with backoff; with retries off, ProvisionedThroughputExceededException surfaces")
    func throttling() async throws {
        // One token at a time, 100 a second: back-to-back writes are throttled, and a retry a
        // few milliseconds later finds a new token.
        let node = try await ClientTestSupport.startNode(
            "throttle", throttle: ThrottleConfiguration(readsPerSecond: 1_000, writesPerSecond: 100, burstSeconds: 0.01))
        let retries = RetryLog()
        var configuration = ClientTestSupport.configuration(
            ClientTestSupport.endpoint(node), retry: RetryPolicy(maxAttempts: 12, baseDelay: .milliseconds(5), maxDelay: .milliseconds(400)))
        configuration.retryObserver = { retries.append($0) }
        let client = try TableClient(configuration: configuration)
        try await client.createTable(Self.table, durability: .synced)
        for index in 0..<30 {
            try await client.putItem(PutItemRequest(tableName: "Users", item: ["pk": .string("u\(index)")]), durability: .synced)
        }
        let page = try await client.scan(ScanRequest(tableName: "Users"))
        #expect(page.count == 30)
        let seen = retries.all
        #expect(!seen.isEmpty)
        #expect(seen.allSatisfy { ($0.error as? WireError)?.name == "ProvisionedThroughputExceededException" })
        #expect(seen.allSatisfy { $0.delay <= configuration.retryPolicy.delayCeiling(beforeRetry: $0.failedAttempt) })
        let metrics = String(decoding: node.metrics.render(store: node.tables?.store), as: UTF8.self)
        #expect(metrics.contains("tern_throttled_requests_total{table=\"Users\"} \(seen.count)"), "\(seen.count) retries")

        let impatient = try ClientTestSupport.client(node, retry: .none)
        var refused: WireError?
        for index in 0..<20 where refused == nil {
            do {
                try await impatient.putItem(PutItemRequest(tableName: "Users", item: ["pk": .string("x\(index)")]), durability: .synced)
            } catch let error as WireError {
                refused = error
            }
        }
        #expect(refused?.name == "ProvisionedThroughputExceededException")
        try await client.shutdown()
        try await impatient.shutdown()
        await node.shutdown()
    }

    @Test("point-in-time recovery operations reach the node (without --archive: DISABLED, and enabling is refused)")
    func backups() async throws {
        let node = try await ClientTestSupport.startNode("backups")
        let client = try ClientTestSupport.client(node)
        try await client.createTable(Self.table, durability: .synced)
        let described = try await client.describeContinuousBackups(DescribeContinuousBackupsRequest(tableName: "Users"))
        #expect(described.continuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus == "DISABLED")
        await #expect {
            try await client.updateContinuousBackups(UpdateContinuousBackupsRequest(tableName: "Users", pointInTimeRecoveryEnabled: true))
        } throws: {
            ($0 as? DynamoError)?.code == .continuousBackupsUnavailable
        }
        try await client.shutdown()
        await node.shutdown()
    }

    @Test("an endpoint nobody listens on fails with the transport's error")
    func unreachable() async throws {
        // A port held by a socket that is bound but never listens: connections to it are refused,
        // and no other test can take the port meanwhile (a port freed and reused by a parallel
        // test's server once made this request hang).
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(socket >= 0 && bound, "a loopback socket to hold a port")
        let endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        var configuration = ClientTestSupport.configuration(endpoint, retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero, maxDelay: .zero))
        configuration.connectTimeout = .milliseconds(300)
        let client = try TableClient(configuration: configuration)
        // No wall-clock bound here: under the whole suite the await itself can wait a minute for
        // a cooperative thread (synchronous tests hold them). A refused connection is immediate;
        // a hang would stop the suite.
        do {
            _ = try await client.listTables(ListTablesRequest())
            Issue.record("a request to a port nobody listens on succeeded")
        } catch {
            #expect(!(error is TableClientError), "the transport's error, not the client's own: \(error)")
        }
        try await client.shutdown()
    }
}
