import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif
import TernEngine
import TernReplication
import TernRecovery
import TernTables

/// A Tern node: the DynamoDB-compatible HTTP API, `/health` and `/metrics` over one
/// `TableStore`, with a graceful drain.
///
/// ```swift
/// let node = try await Node.start(configuration, logger: logger)   // listening, store open
/// try await ServiceGroup(services: [node], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
/// ```
///
/// **Threads.** Event loops (`eventLoopThreads`) parse and write HTTP only; every request runs
/// on a dedicated `NIOThreadPool` (decoding, the table layer, the engine, fsync waits), never on
/// an event loop or Swift's cooperative pool: writes on `engineThreads` threads, so synced writes
/// from many connections wait on the engine's group commit together; reads on `readThreads`.
///
/// **Lifecycle.** `start` listens first (so `/health` answers 503 "starting" while the store
/// recovers), then opens the store. `shutdown` (and a graceful-shutdown signal under a
/// `ServiceGroup`) stops accepting connections, answers new requests 503, waits for requests in
/// flight (at most `drainTimeout`), closes the connections and closes the store.
public final class Node: Service, Sendable {
    let core: NodeCore
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel

    /// The address the node listens on (with the port the system chose when 0 was asked).
    public var localAddress: SocketAddress? { serverChannel.localAddress }

    /// The node's metrics (also served at `GET /metrics`).
    public var metrics: NodeMetrics { core.metrics }

    /// The open tables (nil before the store is open and after shutdown).
    public var tables: TableStore? { core.tables }

    private init(core: NodeCore, group: MultiThreadedEventLoopGroup, serverChannel: any Channel) {
        self.core = core
        self.group = group
        self.serverChannel = serverChannel
    }

    /// Listens on the configured address, then opens the store.
    ///
    /// - Throws: `NodeStartError` with one line saying what went wrong (the port is in use, the
    ///   data directory is locked by another process, the store cannot be opened).
    public static func start(
        _ configuration: NodeConfiguration, logger: Logger,
        nowEpochSeconds: @escaping @Sendable () -> Int64 = Node.systemEpochSeconds
    ) async throws -> Node {
        let core = NodeCore(configuration: configuration, logger: logger, nowEpochSeconds: nowEpochSeconds)
        core.pool.start()
        core.readPool.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let channel: any Channel
        do {
            channel = try await bootstrap(group: group, core: core).bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            try? await core.pool.shutdownGracefully()
            try? await core.readPool.shutdownGracefully()
            throw NodeStartError(message: "cannot listen on \(configuration.host):\(configuration.port): \(describe(error))")
        }
        let node = Node(core: core, group: group, serverChannel: channel)
        logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        if configuration.credentials == nil {
            logger.warning("no --credentials: accepting every request without checking its signature")
        }
        do {
            let tables = try await core.pool.runIfActive {
                try TableStore.open(at: configuration.dataDirectory, storeOptions: configuration.storeOptions, clock: .system)
            }
            do {
                let archive = try await core.pool.runIfActive {
                    try configuration.archiveDirectory.map { directory in
                        try ContinuousArchive.start(store: tables.store, directory: directory, options: configuration.archiveOptions)
                    }
                }
                core.recovery.withLock { $0 = TableRecovery(tables: tables, archive: archive) }
                if let archive { logger.info("archiving", metadata: ["archive": "\(archive.directory)"]) }
            } catch {
                try? await core.pool.runIfActive { try tables.close() }
                throw NodeStartError(message: "cannot start the continuous archive in \(configuration.archiveDirectory ?? "?"): \(error)")
            }
            try await startReplication(core: core, tables: tables)
            core.phase.withLock { $0 = .serving(tables) }
        } catch {
            core.phase.withLock { $0 = .stopped }
            try? await channel.close()
            try? await group.shutdownGracefully()
            try? await core.pool.shutdownGracefully()
            try? await core.readPool.shutdownGracefully()
            if let error = error as? NodeStartError { throw error }
            if let error = error as? TernError, error.code == .locked {
                throw NodeStartError(
                    message: "the data directory \(configuration.dataDirectory) is locked: another process (or node) is using it")
            }
            throw NodeStartError(message: "cannot open the store in \(configuration.dataDirectory): \(error)")
        }
        logger.info(
            "serving",
            metadata: [
                "data": "\(configuration.dataDirectory)", "region": "\(configuration.region)",
                "durability": "\(configuration.durability == .synced ? "synced" : "buffered")",
            ])
        return node
    }

    private static func bootstrap(group: MultiThreadedEventLoopGroup, core: NodeCore) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let closing = core.phase.withLock { phase in
                    switch phase {
                    case .starting, .serving: false
                    case .draining, .stopped: true
                    }
                }
                guard !closing else {
                    return channel.close()  // draining: accept nothing new
                }
                let id = ObjectIdentifier(channel)
                core.connections.withLock { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in _ = core.connections.withLock { $0.removeValue(forKey: id) } }
                return channel.eventLoop.makeCompletedFuture {
                    let idle = core.configuration.idleTimeout.components
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: .seconds(idle.seconds) + .nanoseconds(idle.attoseconds / 1_000_000_000)))
                    try channel.pipeline.syncOperations.addHandler(NodeHTTPHandler(core: core))
                }
            }
    }

    /// Runs until graceful shutdown (a signal of the `ServiceGroup`), then drains. After the
    /// first signal, a second SIGTERM or SIGINT exits the process at once.
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled: drain all the same.
        }
        let watcher = Task.detached { [logger = core.logger] in
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                logger.warning("second signal: exiting at once", metadata: ["signal": "\(signal)"])
                exit(1)
            }
        }
        await shutdown()
        watcher.cancel()
    }

    /// Drains and stops: stop accepting, answer new requests 503, wait for in-flight requests
    /// (at most `drainTimeout`), close connections, close the store, stop the threads.
    public func shutdown() async {
        let tables: TableStore? = core.phase.withLock { phase in
            switch phase {
            case .serving(let tables):
                phase = .draining(tables)
                return tables
            case .starting:
                phase = .draining(nil)
                return nil
            case .draining, .stopped:
                return nil
            }
        }
        core.logger.info("draining", metadata: ["inFlight": "\(core.metrics.inFlight.load(ordering: .relaxed))"])
        try? await serverChannel.close()
        let deadline = ContinuousClock.now + core.configuration.drainTimeout
        while core.metrics.inFlight.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let open = core.connections.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
        if let replicator = core.replicator.withLock({ $0.take() }) {
            // Before the store closes: links persist their acknowledged cursors.
            await replicator.stop()
        }
        if let tables {
            do {
                // Sync first: with buffered durability, writes acknowledged before the drain
                // then survive a power cut after a clean stop too (close alone does not sync).
                let archive = core.recovery.withLock { $0?.archive }
                let logger = core.logger
                try await core.pool.runIfActive {
                    if tables.store.writeRefusal == nil { try tables.store.sync() }
                    // A last pass ships what the drain let through; then the store closes.
                    do { try archive?.stop() } catch { logger.error("the archive's last pass failed", metadata: ["error": "\(error)"]) }
                    try tables.close()
                }
            } catch {
                core.logger.error("closing the store failed", metadata: ["error": "\(error)"])
            }
        }
        core.phase.withLock { $0 = .stopped }
        try? await group.shutdownGracefully()
        try? await core.pool.shutdownGracefully()
        try? await core.readPool.shutdownGracefully()
        core.logger.info("stopped")
    }

    /// The system clock in seconds since the epoch.
    public static func systemEpochSeconds() -> Int64 {
        Int64(TableClock.system.nowEpochSeconds())
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return error.errnoCode == 98 ? "the address is already in use" : "\(error)"
        }
        return "\(error)"
    }
}

/// Why a node could not start: one line for the operator.
public struct NodeStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
