import ArgumentParser
import Foundation

/// A named stream of requests.
struct HTTPWorkload {
    var name: String
    var request: @Sendable (_ connection: Int, _ sequence: Int) -> [UInt8]
}

extension HTTPCommand {
    static let target = "DynamoDB_20120810."

    static func user(_ id: String) -> String {
        let bio = String(repeating: "likes hiking, jazz and long dinners; ", count: 3)
        return #"{"pk": {"S": "\#(id)"}, "name": {"S": "Name \#(id)"}, "age": {"N": "33"}, "city": {"S": "London"}, "bio": {"S": "\#(bio)"}}"#
    }

    /// Creates and fills the tables a server's workloads read, and returns its workloads.
    func prepare(_ server: String, port: Int) throws -> [HTTPWorkload] {
        let getItemShape = LoadClient.request(
            target: Self.target + "GetItem", body: #"{"TableName": "Users", "Key": {"pk": {"S": "user-000001"}}}"#)
        if server.hasPrefix("empty") {
            return [HTTPWorkload(name: "empty") { _, _ in getItemShape }]
        }
        var socket = try BlockingSocket(port: port)
        defer { socket.close() }
        func call(_ operation: String, _ body: String) throws {
            let (status, closes) = try socket.roundTrip(LoadClient.request(target: Self.target + operation, body: body))
            guard status == 200 else { throw ValidationError("\(server): \(operation) answered \(status)") }
            if closes {  // moto's server closes every connection after its response
                socket.close()
                socket = try BlockingSocket(port: port)
            }
        }
        try call(
            "CreateTable",
            #"{"TableName": "Users", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}"#)
        try call(
            "CreateTable",
            #"{"TableName": "Messages", "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}, {"AttributeName": "m", "KeyType": "RANGE"}], "AttributeDefinitions": [{"AttributeName": "c", "AttributeType": "S"}, {"AttributeName": "m", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}"#)
        let conversations = max(1, users / 100)
        for batch in stride(from: 0, to: users, by: 25) {
            let puts = (batch..<min(users, batch + 25)).map { index in
                let item = Self.user(String(format: "user-%06d", index))
                return #"{"PutRequest": {"Item": \#(item)}}"#
            }
            try call("BatchWriteItem", #"{"RequestItems": {"Users": [\#(puts.joined(separator: ", "))]}}"#)
            let messages = (batch..<min(users, batch + 25)).map { index in
                let conversation = "conv-\(index % conversations)"
                let message = String(format: "%08d", index)
                let item = #"{"c": {"S": "\#(conversation)"}, "m": {"S": "\#(message)"}, "body": {"S": "see you at eight by the old bridge, bring the umbrella and the map"}}"#
                return #"{"PutRequest": {"Item": \#(item)}}"#
            }
            try call("BatchWriteItem", #"{"RequestItems": {"Messages": [\#(messages.joined(separator: ", "))]}}"#)
        }
        let gets = (0..<users).map { index in
            let key = String(format: "user-%06d", index)
            return LoadClient.request(target: Self.target + "GetItem", body: #"{"TableName": "Users", "Key": {"pk": {"S": "\#(key)"}}}"#)
        }
        let queries = (0..<conversations).map {
            LoadClient.request(
                target: Self.target + "Query",
                body: #"{"TableName": "Messages", "KeyConditionExpression": "c = :c", "ExpressionAttributeValues": {":c": {"S": "conv-\#($0)"}}, "ScanIndexForward": false, "Limit": 20}"#)
        }
        let userCount = users
        let putRun = UInt64.random(in: 0..<UInt64.max)
        var workloads = [
            HTTPWorkload(name: "getitem") { connection, sequence in gets[(sequence &* 7919 &+ connection &* 104_729) % userCount] },
            HTTPWorkload(name: "putitem") { connection, sequence in
                let item = Self.user("new-\(putRun)-\(connection)-\(sequence)")
                return LoadClient.request(target: Self.target + "PutItem", body: #"{"TableName": "Users", "Item": \#(item)}"#)
            },
            HTTPWorkload(name: "query") { connection, sequence in queries[(sequence &+ connection) % conversations] },
        ]
        if server == "tern-buffered" { workloads = workloads.filter { $0.name == "putitem" } }
        return workloads
    }
}

/// The counters `/metrics` exposes for puts per fsync.
enum Metrics {
    static func scrape(port: Int) throws -> (syncedWrites: Double, walSyncs: Double) {
        var socket = try BlockingSocket(port: port)
        defer { socket.close() }
        _ = try socket.roundTrip(Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let text = String(decoding: socket.lastBody, as: UTF8.self)
        func value(_ name: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
                return Double(line.split(separator: " ").last ?? "") ?? 0
            }
            return 0
        }
        return (value("tern_synced_writes"), value("tern_wal_syncs"))
    }
}

/// A server under test in a child process.
final class ServerProcess {
    let process: Process
    let port: Int
    let directory: String

    private init(process: Process, port: Int, directory: String) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length)
                return getsockname(descriptor, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func start(_ name: String, tern: String) throws -> ServerProcess {
        let port = freePort()
        let directory = NSTemporaryDirectory() + "tern-bench-http-\(name)-\(UUID().uuidString)"
        let process = Process()
        var arguments: [String]
        switch name {
        case "moto":
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
        default:
            process.executableURL = URL(fileURLWithPath: tern)
            arguments = ["serve", "--data", directory, "--http", "127.0.0.1:\(port)", "--log-level", "warning"]
            switch name {
            case "tern": break
            case "tern-buffered": arguments += ["--durability", "buffered"]
            case "empty": arguments += ["--benchmark-empty-responder", "event-loop"]
            case "empty-pool": arguments += ["--benchmark-empty-responder", "pool"]
            default: throw ValidationError("unknown server \(name)")
            }
        }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = ServerProcess(process: process, port: port, directory: directory)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if var socket = try? BlockingSocket(port: port) {
                let probe = LoadClient.request(target: HTTPCommand.target + "ListTables", body: "{}")
                let status = (try? socket.roundTrip(probe))?.status ?? 0
                socket.close()
                if status == 200 { return server }
            }
            guard process.isRunning else { throw ValidationError("\(name) exited at start") }
            usleep(50_000)
        }
        server.stop()
        throw ValidationError("\(name) did not answer within 60 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
