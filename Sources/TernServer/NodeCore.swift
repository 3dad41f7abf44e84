import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TernEngine
import TernReplication
import TernRecovery
import TernTables
import TernWire

/// A response body with its status, built on the engine pool and written by the event loop.
struct NodeResponse: Sendable {
    var status: HTTPResponseStatus
    var body: [UInt8]
    var contentType: String
    /// The error's name, for metrics and logs (nil on success).
    var errorName: String?

    static let jsonType = "application/x-amz-json-1.0"

    /// `{}`: the benchmark's empty responder.
    static let empty = NodeResponse(status: .ok, body: Array("{}".utf8), contentType: jsonType)

    static func error(_ error: WireError) -> NodeResponse {
        NodeResponse(
            status: HTTPResponseStatus(statusCode: error.status), body: error.wireBytes(), contentType: jsonType,
            errorName: error.name)
    }
}

/// A request as the event loop hands it to the engine pool.
struct NodeRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var receivedAt: ContinuousClock.Instant
}

/// The node's state and request processing, shared by every connection. Its methods that touch
/// the store run on the engine pool (`NIOThreadPool`), never on an event loop.
final class NodeCore: Sendable {
    enum Phase: Sendable {
        case starting
        case serving(TableStore)
        case draining(TableStore?)
        case stopped
    }

    let configuration: NodeConfiguration
    let logger: Logger
    let metrics: NodeMetrics
    let throttle: Throttle?
    let verifier: SignatureV4Verifier?
    /// Writes: `engineThreads` threads, so concurrent synced writers share group commits.
    let pool: NIOThreadPool
    /// Reads, health and metrics: `readThreads` threads.
    let readPool: NIOThreadPool
    let phase = Mutex<Phase>(.starting)
    /// Point-in-time recovery over the store's archive (set once the store is open).
    let recovery = Mutex<TableRecovery?>(nil)
    /// Global-table replication with the other regions (set once the store is open, when configured).
    let replicator = Mutex<Replicator?>(nil)
    /// Open client connections, closed at the end of a drain.
    let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// The node's clock for signature dates (injected by tests).
    let nowEpochSeconds: @Sendable () -> Int64

    init(configuration: NodeConfiguration, logger: Logger, nowEpochSeconds: @escaping @Sendable () -> Int64) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = NodeMetrics()
        self.throttle = configuration.throttle.map { Throttle(configuration: $0) }
        self.verifier = configuration.credentials.map { SignatureV4Verifier(credentials: $0) }
        self.pool = NIOThreadPool(numberOfThreads: configuration.engineThreads)
        self.readPool = NIOThreadPool(numberOfThreads: max(1, configuration.readThreads))
        self.nowEpochSeconds = nowEpochSeconds
    }

    var tables: TableStore? {
        phase.withLock { phase in
            switch phase {
            case .serving(let tables): tables
            case .draining(let tables): tables
            case .starting, .stopped: nil
            }
        }
    }

    var isDraining: Bool {
        phase.withLock { if case .draining = $0 { true } else { false } }
    }

    /// The pool a request runs on: writes on `pool`, everything else on `readPool`. Decided on
    /// the event loop from the target header alone (a dictionary lookup).
    func pool(for head: HTTPRequestHead) -> NIOThreadPool {
        guard head.method == .POST, let target = head.headers.first(name: "x-amz-target"),
            NodeOperation.all[target]?.isWrite == true
        else { return readPool }
        return pool
    }

    // MARK: - Requests (on the engine pools)

    /// Answers one request: the DynamoDB API on `POST /`, `/health`, `/metrics`.
    func process(_ request: NodeRequest) -> NodeResponse {
        let path = request.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        switch (request.head.method, path) {
        case (.GET, "/health"): return health()
        case (.GET, "/metrics"):
            return NodeResponse(status: .ok, body: metrics.render(store: tables?.store), contentType: "text/plain; version=0.0.4")
        case (.POST, _) where configuration.emptyResponder != nil: return .empty
        case (.POST, "/"): return api(request)
        default:
            return NodeResponse(
                status: .notFound,
                body: Array("{\"message\":\"Tern serves POST / (the DynamoDB API), GET /health and GET /metrics\"}".utf8),
                contentType: "application/json")
        }
    }

    private func health() -> NodeResponse {
        var writer = JSONWriter()
        writer.beginObject()
        let status: HTTPResponseStatus
        switch phase.withLock({ $0 }) {
        case .starting:
            status = .serviceUnavailable
            writer.member("status", "starting")
            writer.member("reason", "the store is being opened (recovery)")
        case .draining, .stopped:
            status = .serviceUnavailable
            writer.member("status", "draining")
            writer.member("reason", "the node is shutting down")
        case .serving(let tables):
            if let refusal = tables.store.writeRefusal {
                status = .serviceUnavailable
                writer.member("status", "refusing-writes")
                writer.member("reason", refusal.description)
            } else {
                status = .ok
                writer.member("status", "serving")
            }
        }
        writer.member("region", configuration.region)
        writer.member("durability", configuration.durability == .synced ? "synced" : "buffered")
        writer.member("inFlight", metrics.inFlight.load(ordering: .relaxed))
        if let archive = recovery.withLock({ $0 })?.archive {
            let status = archive.status
            writer.key("archive")
            writer.beginObject()
            writer.member("directory", archive.directory)
            writer.member("lastArchived", status.lastArchivedStamp.description)
            writer.member("latestRestorable", status.window?.latest.description)
            writer.member("earliestRestorable", status.window?.earliest.description)
            writer.member("failure", status.failure)
            writer.member("gaps", status.gaps.count)
            writer.endObject()
        }
        if let replicator = replicator.withLock({ $0 }) { writeReplicationHealth(replicator, to: &writer) }
        writer.endObject()
        return NodeResponse(status: status, body: writer.bytes, contentType: "application/json")
    }

    /// The DynamoDB API: target, content type, signature, then the operation.
    private func api(_ request: NodeRequest) -> NodeResponse {
        let target = request.head.headers.first(name: "x-amz-target") ?? ""
        // Unknown targets share one label: a client inventing targets must not grow the metrics.
        let operationName = NodeOperation.all[target]?.name ?? "unknown"
        let started = ContinuousClock.now
        let response = apiResponse(request, target: target)
        metrics.record(operation: operationName, duration: started.duration(to: .now), error: response.errorName)
        if response.status.code >= 500 {
            logger.error("request failed", metadata: ["operation": "\(operationName)", "error": "\(String(decoding: response.body, as: UTF8.self))"])
        } else if let error = response.errorName {
            logger.debug("request refused", metadata: ["operation": "\(operationName)", "error": "\(error)"])
        }
        return response
    }

    private func apiResponse(_ request: NodeRequest, target: String) -> NodeResponse {
        let tables: TableStore
        switch phase.withLock({ $0 }) {
        case .serving(let open): tables = open
        case .starting:
            return .error(WireError(name: "ServiceUnavailable", message: "The node is starting (opening its store)", status: 503))
        case .draining, .stopped:
            return .error(WireError(name: "ServiceUnavailable", message: "The node is shutting down", status: 503))
        }
        let contentType = request.head.headers.first(name: "content-type") ?? ""
        guard contentType.split(separator: ";").first?.trimmingWhitespace().lowercased() == NodeResponse.jsonType else {
            return .error(.serialization("Content-Type must be \(NodeResponse.jsonType) (got '\(contentType)')"))
        }
        guard let operation = NodeOperation.all[target] else { return .error(.unknownOperation(target)) }
        let body = Array(request.body.readableBytesView)
        do {
            if let verifier {
                _ = try verifier.verify(
                    SignatureV4Verifier.Request(
                        method: request.head.method.rawValue, uri: request.head.uri,
                        headers: request.head.headers.map { ($0.name, $0.value) }, body: body),
                    nowEpochSeconds: nowEpochSeconds())
            }
            let object = try WireObject(JSONParser.parse(body))
            let context = OperationContext(
                tables: tables, durability: configuration.durability, throttle: throttle, metrics: metrics,
                region: configuration.region, recovery: recovery.withLock { $0 } ?? TableRecovery(tables: tables, archive: nil))
            let responseBody = try operation.run(object, context)
            if operation.isWrite && configuration.durability == .synced {
                metrics.syncedWrites.add(1, ordering: .relaxed)
            }
            return NodeResponse(status: .ok, body: responseBody, contentType: NodeResponse.jsonType)
        } catch let error as WireError {
            return .error(error)
        } catch let error as DynamoError {
            return .error(WireError(error))
        } catch let error as TernError {
            return .error(.internalServerError("The store failed: \(error)"))
        } catch {
            return .error(.internalServerError("Unexpected error: \(error)"))
        }
    }
}
