import Foundation
import Glibc
import Logging
import NIOCore
import TernEngine
import TernServer
import TernTesting

/// Starts nodes on a free loopback port over a fresh temporary directory.
enum NodeTestSupport {
    /// A fresh directory under one parent per test process, removed when the process exits.
    static func temporaryDirectory(_ label: String) -> String {
        try! TemporaryDirectories.make(label)
    }

    static func configuration(_ directory: String, port: Int = 0) -> NodeConfiguration {
        var configuration = NodeConfiguration(dataDirectory: directory, port: port, engineThreads: 4, eventLoopThreads: 1)
        configuration.storeOptions = StoreOptions()
        return configuration
    }

    static func start(
        _ configuration: NodeConfiguration, nowEpochSeconds: @escaping @Sendable () -> Int64 = Node.systemEpochSeconds
    ) async throws -> Node {
        var logger = Logger(label: "tern.test")
        logger.logLevel = .critical
        return try await Node.start(configuration, logger: logger, nowEpochSeconds: nowEpochSeconds)
    }

    static func port(_ node: Node) -> Int { node.localAddress?.port ?? 0 }

    static let usersTable = """
        {"TableName": "Users", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}
        """
}

