import NIOCore
import TernEngine
import TernRecovery

/// Everything `tern serve` is told on its command line.
public struct NodeConfiguration: Sendable {
    /// The store directory (created when missing).
    public var dataDirectory: String
    /// The address to listen on for HTTP.
    public var host: String
    public var port: Int
    /// The region this node is a replica of; it appears in table ARNs.
    public var region: String
    /// The durability of every write request: `.synced` (a 200 means the write is on disk, as
    /// with DynamoDB) or `.buffered` (faster; a power cut may lose the last acknowledged writes).
    public var durability: Durability
    /// Access key ids and their secrets; nil accepts any request (and the node warns at start).
    public var credentials: Credentials?
    /// Per-table request rates; nil serves without throttling.
    public var throttle: ThrottleConfiguration?
    /// The largest request body accepted (DynamoDB's own limit is 16 MB, BatchWriteItem's).
    public var maxBodyBytes: Int
    /// Threads running writes (and their fsync waits). Synced writers that wait on one fsync
    /// each hold a thread, so this bounds how many share a group commit.
    public var engineThreads: Int
    /// Threads running reads (and `/health`, `/metrics`). Reads rarely wait, so a few threads
    /// that stay busy under load (taking the next request without parking) serve them with
    /// fewer thread wake-ups than a large pool.
    public var readThreads: Int
    /// Event loop threads (HTTP parsing and writing only).
    public var eventLoopThreads: Int
    /// A connection that sends nothing for this long is closed (half-open and idle clients).
    public var idleTimeout: Duration
    /// How long a graceful shutdown waits for in-flight requests before closing anyway.
    public var drainTimeout: Duration
    /// Engine options for the store.
    public var storeOptions: StoreOptions
    /// Global-table replication with other regions' nodes (nil: the node replicates nothing).
    public var replication: NodeReplication? = nil
    /// The continuous archive's directory (point-in-time recovery); nil runs without one (then
    /// UpdateContinuousBackups answers ContinuousBackupsUnavailableException).
    public var archiveDirectory: String?
    /// The archive's settings (interval, checkpoints, retention).
    public var archiveOptions = ArchiveOptions()
    /// For benchmarks only: answer every `POST /` with `{}` without decoding it or touching the
    /// store, to measure the HTTP stack's ceiling. nil (the default) serves the API.
    public var emptyResponder: EmptyResponder?

    /// Where a benchmark's empty responder answers.
    public enum EmptyResponder: String, Sendable, CaseIterable {
        /// On the event loop that read the request: HTTP parsing and writing only.
        case eventLoop = "event-loop"
        /// After a hop to the engine pool and back, as every API request makes.
        case pool
    }

    /// A configuration with `tern serve`'s defaults for everything but the data directory.
    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 8000, region: String = "local",
        durability: Durability = .synced, credentials: Credentials? = nil, throttle: ThrottleConfiguration? = nil,
        maxBodyBytes: Int = 16 * 1024 * 1024, engineThreads: Int = 16, readThreads: Int = NIOCore.System.coreCount,
        eventLoopThreads: Int = NIOCore.System.coreCount,
        idleTimeout: Duration = .seconds(60), drainTimeout: Duration = .seconds(30), storeOptions: StoreOptions = StoreOptions()
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.region = region
        self.durability = durability
        self.credentials = credentials
        self.throttle = throttle
        self.maxBodyBytes = maxBodyBytes
        self.engineThreads = engineThreads
        self.readThreads = readThreads
        self.eventLoopThreads = eventLoopThreads
        self.idleTimeout = idleTimeout
        self.drainTimeout = drainTimeout
        self.storeOptions = storeOptions
    }
}

/// Per-table token buckets: each table gets `readsPerSecond` read and `writesPerSecond` write
/// tokens a second, and may save up `burstSeconds` worth of each.
public struct ThrottleConfiguration: Sendable, Equatable {
    /// Read tokens (items) added to each table's read bucket per second.
    public var readsPerSecond: Double
    /// Write tokens (items) added to each table's write bucket per second.
    public var writesPerSecond: Double
    /// Seconds of unused rate a bucket can hold (its capacity is rate × this, at least 1).
    public var burstSeconds: Double

    /// Rates per table and the burst allowance.
    public init(readsPerSecond: Double, writesPerSecond: Double, burstSeconds: Double = 1) {
        self.readsPerSecond = readsPerSecond
        self.writesPerSecond = writesPerSecond
        self.burstSeconds = burstSeconds
    }
}
