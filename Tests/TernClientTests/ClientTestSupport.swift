import Foundation
import Glibc
import Logging
import Synchronization
import Testing
import TernClient
import TernEngine
import TernServer
import TernTables
import TernTesting

/// Nodes on free loopback ports, clients for them, embedded stores, temporary directories.
enum ClientTestSupport {
    /// A fresh directory under one parent per test process (removed when the process exits).
    static func temporaryDirectory(_ label: String) -> String {
        try! TemporaryDirectories.make(label)
    }

    /// A node over a fresh directory on a port the system chose, with buffered durability (the
    /// tests compare behaviour, not durability) and few threads.
    static func startNode(
        _ label: String, credentials: Credentials? = nil, throttle: ThrottleConfiguration? = nil
    ) async throws -> Node {
        var configuration = NodeConfiguration(
            dataDirectory: temporaryDirectory(label), port: 0, durability: .buffered, credentials: credentials,
            throttle: throttle, engineThreads: 4, readThreads: 2, eventLoopThreads: 1)
        configuration.storeOptions = StoreOptions()
        var logger = Logger(label: "tern.client-test")
        logger.logLevel = .critical
        return try await Node.start(configuration, logger: logger)
    }

    static func endpoint(_ node: Node) -> String {
        "http://127.0.0.1:\(node.localAddress?.port ?? 0)"
    }

    static let anyKey = SigningCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "test-secret")

    /// A client for `endpoint` with short timeouts and fast retries.
    static func configuration(
        _ endpoint: String, credentials: SigningCredentials = anyKey, retry: RetryPolicy = fastRetries
    ) -> TableClientConfiguration {
        var configuration = TableClientConfiguration(endpoint: endpoint, region: "us-east-1", credentials: credentials)
        configuration.retryPolicy = retry
        configuration.connectTimeout = .seconds(2)
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    /// Retries as the standard policy does, but with millisecond delays.
    static let fastRetries = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(2), maxDelay: .milliseconds(200))

    static func client(_ node: Node, credentials: SigningCredentials = anyKey, retry: RetryPolicy = fastRetries) throws -> TableClient {
        try TableClient(configuration: configuration(endpoint(node), credentials: credentials, retry: retry))
    }

    /// Runs the `tern` binary (or another sibling executable) off the cooperative pool.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> ChildProcess.Outcome {
        try await BlockingThreadPool.shared.run {
            try ChildProcess.run(executable, arguments, environment: environment, standardError: true)
        }
    }

    static var tern: String { ChildProcess.siblingExecutable("tern", overriddenBy: "TERN_CLI") }
}


/// The two implementations of `TableService` the behaviour suite runs against.
enum Backend: String, CaseIterable, Sendable {
    /// `TableStore` in this process.
    case embedded
    /// `TableClient` against a node (`TableStore` behind HTTP) in this process.
    case remote

    /// A fresh, empty backend and how to close it.
    func open(_ label: String) async throws -> (service: any GeoTableService, close: @Sendable () async throws -> Void) {
        switch self {
        case .embedded:
            let store = try await TableStore.open(
                at: ClientTestSupport.temporaryDirectory(label), storeOptions: StoreOptions(), clock: .system, ttlPurgeInterval: nil)
            return (store, { try await store.close() })
        case .remote:
            let node = try await ClientTestSupport.startNode(label)
            let client = try ClientTestSupport.client(node)
            return (client, {
                try await client.shutdown()
                await node.shutdown()
            })
        }
    }
}

/// What a scenario saw, line by line: results and errors rendered so that equal behaviour gives
/// equal lines (items with sorted attribute names).
struct Transcript: Sendable {
    var lines: [String] = []

    mutating func note(_ line: String) { lines.append(line) }

    /// Runs `body`, notes its result (`render`) or its error under `label`, and returns the result.
    @discardableResult
    mutating func record<T>(_ label: String, _ body: () async throws -> T, render: (T) -> String) async -> T? {
        do {
            let value = try await body()
            note("\(label) -> \(render(value))")
            return value
        } catch {
            note("\(label) !! \(Transcript.describe(error))")
            return nil
        }
    }

    /// An error as DynamoDB names it; anything else by its type (a difference between backends).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as DynamoError:
            var text = "\(error.code.rawValue): \(error.message)"
            if !error.cancellationReasons.isEmpty {
                text += " reasons " + error.cancellationReasons.map { "\($0.code)/\($0.message ?? "-")/\($0.item.map(render) ?? "-")" }
                    .joined(separator: ",")
            }
            if let item = error.item { text += " item " + render(item) }
            return text
        case let error as WireError: return "wire \(error.name): \(error.message)"
        default: return "\(type(of: error)): \(error)"
        }
    }

    static func render(_ item: Item) -> String { AttributeValue.describe(item) }
    static func render(_ item: Item?) -> String { item.map(render) ?? "none" }
    static func render(_ items: [Item]) -> String { "[" + items.map(render).joined(separator: ", ") + "]" }
    static func render(_ page: QueryResponse) -> String {
        "\(render(page.items)) count \(page.count) scanned \(page.scannedCount) last \(render(page.lastEvaluatedKey))"
    }
}

/// Runs `scenario` on a fresh embedded store and on a fresh node through the client, and expects
/// the same transcript from both. Returns the embedded transcript (for further checks).
@discardableResult
func expectSameBehaviour(
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ scenario: @Sendable (any GeoTableService, inout Transcript) async throws -> Void
) async throws -> [String] {
    var transcripts: [Backend: [String]] = [:]
    for backend in Backend.allCases {
        let (service, close) = try await backend.open("\(label)-\(backend.rawValue)")
        var transcript = Transcript()
        do {
            try await scenario(service, &transcript)
        } catch {
            try? await close()
            throw error
        }
        try await close()
        transcripts[backend] = transcript.lines
    }
    let embedded = transcripts[.embedded]!
    let remote = transcripts[.remote]!
    if getenv("TERN_CLIENT_TRANSCRIPTS") != nil {  // to read what a scenario did
        print(embedded.map { "[\(label)] \($0)" }.joined(separator: "\n"))
    }
    #expect(embedded.count == remote.count, "\(label): \(embedded.count) lines embedded, \(remote.count) remote", sourceLocation: sourceLocation)
    for (index, (left, right)) in zip(embedded, remote).enumerated() where left != right {
        Issue.record("\(label): line \(index) differs\n  embedded: \(left)\n  remote:   \(right)", sourceLocation: sourceLocation)
        break
    }
    return embedded
}

/// Whether `condition` holds within `timeout`, checked every few milliseconds without blocking
/// a thread.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}

/// What a client's `retryObserver` saw.
final class RetryLog: Sendable {
    private let events = Mutex<[RetryEvent]>([])

    func append(_ event: RetryEvent) { events.withLock { $0.append(event) } }

    var all: [RetryEvent] { events.withLock { $0 } }
}
