import Testing
import TernEngine
import TernServer
import TernTesting

/// A node in this process on a free loopback port: the HTTP front end's answers, keep-alive
/// after errors, health, metrics, throttling, authentication, start-up failures.
@Suite(.serialized)
struct NodeTests {
    @Test("health, metrics, and API calls on one keep-alive connection")
    func servesAndReportsHealth() async throws {
        let directory = NodeTestSupport.temporaryDirectory("serve")
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(directory))
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let health = try client.request("GET", "/health")
        #expect(health.status == 200)
        #expect(health.text.contains("\"status\":\"serving\""))
        #expect(try client.call("CreateTable", NodeTestSupport.usersTable).status == 200)
        let put = try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"N": "1.50"}}}"#)
        #expect(put.status == 200)
        #expect(put.header("Content-Type") == "application/x-amz-json-1.0")
        let get = try client.call("GetItem", #"{"TableName": "Users", "Key": {"pk": {"S": "a"}}}"#)
        #expect(get.text.contains(#""n":{"N":"1.5"}"#))
        let metrics = try client.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("tern_request_duration_seconds_bucket{operation=\"PutItem\""))
        #expect(metrics.text.contains("tern_wal_syncs"))
        #expect(metrics.text.contains("tern_block_cache_hit_ratio"))
        #expect(metrics.text.contains("tern_synced_writes 2"))
        await node.shutdown()
    }

    @Test("malformed requests get a clear 400, write nothing, and leave the connection usable")
    func malformedRequests() async throws {
        let directory = NodeTestSupport.temporaryDirectory("malformed")
        var configuration = NodeTestSupport.configuration(directory)
        configuration.maxBodyBytes = 4096
        let node = try await NodeTestSupport.start(configuration)
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        #expect(try client.call("CreateTable", NodeTestSupport.usersTable).status == 200)
        let json = ("Content-Type", "application/x-amz-json-1.0")
        let cases: [(String, HTTPTestClient.Response, String)] = [
            ("unknown operation", try client.call("PutItems", "{}"), "UnknownOperationException"),
            ("unknown prefix", try client.call("PutItem", "{}", prefix: "DynamoDB_20990101"), "UnknownOperationException"),
            ("no target", try client.request(headers: [json], body: Array("{}".utf8)), "UnknownOperationException"),
            ("wrong content type", try client.request(headers: [("Content-Type", "text/plain"), ("X-Amz-Target", "DynamoDB_20120810.PutItem")], body: Array("{}".utf8)), "SerializationException"),
            ("bad JSON", try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "b"}"#), "SerializationException"),
            ("wrong JSON type", try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": 5}}}"#), "SerializationException"),
            ("bad base64", try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "b"}, "x": {"B": "@@"}}}"#), "SerializationException"),
            ("bad number", try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "b"}, "x": {"N": "1e999"}}}"#), "ValidationException"),
            ("missing field", try client.call("PutItem", #"{"TableName": "Users"}"#), "ValidationException"),
            ("body over the limit", try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "b"}, "x": {"S": ""# + String(repeating: "y", count: 5000) + #""}}}"#), "ValidationException"),
        ]
        for (name, response, expected) in cases {
            #expect(response.status == 400, "\(name)")
            #expect(response.text.contains("#\(expected)\""), "\(name): \(response.text)")
        }
        let notFound = try client.request("GET", "/nowhere")
        #expect(notFound.status == 404)
        // The same connection still works, and nothing was written.
        let scan = try client.call("Scan", #"{"TableName": "Users"}"#)
        #expect(scan.status == 200)
        #expect(scan.text.contains(#""Count":0"#))
        await node.shutdown()
    }

    @Test("Expect: 100-continue is answered at once, then the request")
    func expectContinue() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("continue")))
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let body = Array("{}".utf8)
        try client.send(Array((
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
            + "X-Amz-Target: DynamoDB_20120810.ListTables\r\nExpect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n").utf8))
        #expect(try client.readResponse().status == 100)
        try client.send(body)
        let answer = try client.readResponse()
        #expect(answer.status == 200)
        #expect(answer.text == #"{"TableNames":[]}"#)
        await node.shutdown()
    }

    @Test("after a failed WAL sync, /health is 503 refusing-writes, writes are 500s, reads still work")
    func refusingWrites() async throws {
        let fileSystem = FaultInjectingFileSystem()
        var configuration = NodeTestSupport.configuration("/node")
        configuration.storeOptions.fileSystem = fileSystem
        let node = try await NodeTestSupport.start(configuration)
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        #expect(try client.call("CreateTable", NodeTestSupport.usersTable).status == 200)
        #expect(try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "kept"}}}"#).status == 200)
        #expect(try client.request("GET", "/health").status == 200)
        fileSystem.inject(.init(nth: 1, kinds: [.sync], persistent: true))
        let failed = try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "lost"}}}"#)
        #expect(failed.status == 500)
        #expect(failed.text.contains("#InternalServerError"))
        let health = try client.request("GET", "/health")
        #expect(health.status == 503)
        #expect(health.text.contains("\"status\":\"refusing-writes\""))
        #expect(try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "x"}}}"#).status == 500)
        #expect(try client.call("GetItem", #"{"TableName": "Users", "Key": {"pk": {"S": "kept"}}}"#).text.contains("kept"))
        #expect(try client.request("GET", "/metrics").text.contains("tern_store_refusing_writes 1"))
        await node.shutdown()
    }

    @Test("while draining, requests on open connections get 503 and Connection: close")
    func drainingAnswers503() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("drain")))
        let port = NodeTestSupport.port(node)
        let client = try HTTPTestClient(port: port)
        #expect(try client.request("GET", "/health").status == 200)
        // A request still arriving keeps the drain waiting.
        let held = try HTTPTestClient(port: port)
        try held.send(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{".utf8))
        try await Task.sleep(for: .milliseconds(50))
        let drain = Task { await node.shutdown() }
        try await Task.sleep(for: .milliseconds(100))
        let health = try client.request("GET", "/health")
        #expect(health.status == 503)
        #expect(health.text.contains("\"status\":\"draining\""))
        #expect(health.header("Connection") == "close")
        // The listener closes right after the phase turns to draining (on a loaded machine the
        // health answer can come first): within a few seconds no new connection is accepted.
        var refused = false
        for _ in 0..<100 where !refused {
            do { _ = try HTTPTestClient(port: port, timeoutSeconds: 1); try await Task.sleep(for: .milliseconds(50)) } catch { refused = true }
        }
        #expect(refused, "the listener still accepted connections 5 s into the drain")
        try held.send(Array("}        ".utf8))  // completes the held request: it is answered
        #expect(try held.readResponse().status == 503)
        await drain.value
    }

    @Test("an unsupported operation is a 400 UnknownOperationException, as DynamoDB answers")
    func unsupportedOperation() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("unknown")))
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let response = try client.call("CreateBackup", #"{"TableName": "Users", "BackupName": "b"}"#)
        #expect(response.status == 400)
        #expect(response.text.contains("com.amazon.coral.service#UnknownOperationException"))
        await node.shutdown()
    }

    @Test("a throttled table answers ProvisionedThroughputExceededException; others are served")
    func throttling() async throws {
        var configuration = NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("throttle"))
        configuration.throttle = ThrottleConfiguration(readsPerSecond: 0.001, writesPerSecond: 1000, burstSeconds: 2000)
        let node = try await NodeTestSupport.start(configuration)
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        #expect(try client.call("CreateTable", NodeTestSupport.usersTable).status == 200)
        // Reads of Users: the burst holds 2 tokens; DescribeTable... no: GetItem takes one each.
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try client.call("GetItem", #"{"TableName": "Users", "Key": {"pk": {"S": "a"}}}"#).status) }
        #expect(statuses == [200, 200, 400, 400])
        let refused = try client.call("GetItem", #"{"TableName": "Users", "Key": {"pk": {"S": "a"}}}"#)
        #expect(refused.text.contains("ProvisionedThroughputExceededException"))
        #expect(try client.call("PutItem", #"{"TableName": "Users", "Item": {"pk": {"S": "a"}}}"#).status == 200)
        // Invented tables and targets get no bucket and no label of their own.
        for index in 0..<5 {
            #expect(try client.call("GetItem", #"{"TableName": "Nope\#(index)", "Key": {"pk": {"S": "a"}}}"#).text.contains("ResourceNotFound"))
            #expect(try client.call("Invented\(index)", "{}").status == 400)
        }
        let metrics = try client.request("GET", "/metrics").text
        #expect(metrics.contains("tern_throttled_requests_total{table=\"Users\"} 3"))
        #expect(!metrics.contains("Nope"))
        #expect(!metrics.contains("Invented"))
        #expect(metrics.contains("operation=\"unknown\""))
        await node.shutdown()
    }

    @Test("with credentials, an unsigned request is refused")
    func unsignedRefused() async throws {
        var configuration = NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("auth"))
        configuration.credentials = Credentials(secrets: ["AKID": "secret"])
        let node = try await NodeTestSupport.start(configuration)
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let response = try client.call("ListTables", "{}")
        #expect(response.status == 400)
        #expect(response.text.contains("MissingAuthenticationTokenException"))
        await node.shutdown()
    }

    @Test("a port in use and a locked data directory fail start with one clear line")
    func startFailures() async throws {
        let directory = NodeTestSupport.temporaryDirectory("start")
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(directory))
        let samePort = try await #require(throws: NodeStartError.self) {
            _ = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("other"), port: NodeTestSupport.port(node)))
        }
        #expect(samePort.message.contains("already in use"))
        let sameDirectory = try await #require(throws: NodeStartError.self) {
            _ = try await NodeTestSupport.start(NodeTestSupport.configuration(directory))
        }
        #expect(sameDirectory.message.contains("locked"))
        #expect(!sameDirectory.message.contains("\n"))
        await node.shutdown()
        // After a drain the directory is free again.
        let again = try await NodeTestSupport.start(NodeTestSupport.configuration(directory))
        await again.shutdown()
    }

    @Test("after shutdown, health and requests are refused and the store is closed")
    func shutdownStops() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("stop")))
        let port = NodeTestSupport.port(node)
        let tables = try #require(node.tables)
        await node.shutdown()
        do {
            let response = try HTTPTestClient(port: port, timeoutSeconds: 2).request("GET", "/health")
            Issue.record("answered after shutdown: \(response.status) \(response.text)")
        } catch {}
        #expect(throws: TernError.self) { try tables.store.put([0], [0], durability: .buffered) }
    }
}
