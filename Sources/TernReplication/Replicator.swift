import CoreMetrics
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernEngine
import TernTables

/// Replication of a `TableStore`'s global tables with the other regions, over TCP: attach one to
/// the store a service (or `tern serve`) opened, `start` it, `stop` it before closing the store.
///
/// ```swift
/// let replicator = try Replicator(tables: tables, configuration: ReplicationConfiguration(
///     region: try RegionID("eu-west"), listenPort: 7400,
///     peers: [PeerEndpoint(region: try RegionID("us-east"), host: "10.0.0.2", port: 7400)],
///     secret: try ClusterSecret(secretBytes)), logger: logger)
/// try await replicator.start()
/// ...
/// await replicator.stop()
/// ```
///
/// Each region ships the writes made in it to every peer (a full mesh) from the peer's durable
/// cursor in the change feed, and applies what its peers ship last writer wins (see
/// `docs/replication.md` for the guarantees, `docs/formats/replication.md` for the protocol).
/// Links run on threads of their own (engine work blocks); NIO's event loops only move bytes.
///
/// Thread safety: every method may be called from any thread.
public final class Replicator: Sendable {
    let core: ReplicatorCore
    private let links: [OutboundLink]
    private let server = Mutex<(any Channel)?>(nil)
    private let purger = Mutex<BackgroundThread?>(nil)
    private let purgeWake = Mailbox<LinkEvent>()

    /// Prepares replication; nothing runs until `start`.
    ///
    /// - Parameters:
    ///   - metricsFactory: where metrics go (the node passes its Prometheus factory); by default
    ///     the process's `MetricsSystem.factory`.
    /// - Throws: `TernError` reading the store.
    public init(tables: TableStore, configuration: ReplicationConfiguration, logger: Logger, metricsFactory: (any MetricsFactory)? = nil) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let core = try ReplicatorCore(
            tables: tables, configuration: configuration, logger: logger,
            metrics: ReplicationMetrics(factory: metricsFactory ?? MetricsSystem.factory), group: group)
        self.core = core
        links = configuration.peers.map { OutboundLink(core: core, endpoint: $0) }
    }

    /// Names the store's region (durably, once), listens for peers and starts dialing them.
    ///
    /// - Throws: `ValidationException` when the store belongs to another region; a NIO error
    ///   when the port cannot be bound.
    public func start() async throws {
        try core.tables.setRegion(core.configuration.region, durability: .synced)
        for peer in core.configuration.peers { try OutboundStream.prepareCursor(tables: core.tables, peer: peer.region) }
        let core = self.core
        let channel = try await ServerBootstrap(group: core.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard !core.stopped.load(ordering: .acquiring),
                      core.handshaking.wrappingAdd(1, ordering: .relaxed).newValue <= ReplicatorCore.maxHandshaking
                else {
                    core.handshaking.wrappingSubtract(1, ordering: .relaxed)
                    return channel.close()
                }
                let connection = InboundConnection(core: core, channel: channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.installLinkHandlers(connection.mailbox)
                    connection.start()
                }
            }
            .bind(host: core.configuration.listenHost, port: core.configuration.listenPort).get()
        server.withLock { $0 = channel }
        core.logger.info(
            "replication listening",
            metadata: ["region": "\(core.configuration.region)", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                       "peers": "\(core.configuration.peers.map { "\($0.region)=\($0.host):\($0.port)" }.joined(separator: ","))"])
        for link in links { link.start() }
        startPurger()
    }

    /// The port the listener is bound to (nil before `start`).
    public var listeningPort: Int? { server.withLock { $0?.localAddress?.port } }

    /// Stops every link and the listener (acknowledged cursors are persisted); the store stays
    /// open (close it after).
    public func stop() async {
        guard !core.stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let channel = server.withLock({ $0.take() }) { try? await channel.close() }
        for link in links { link.stop() }
        for connection in core.inbound.withLock({ Array($0.values) }) { connection.close() }
        purgeWake.wake()
        purger.withLock { $0.take() }?.join()
        let deadline = ContinuousClock.now + .seconds(5)
        while links.contains(where: { !$0.isFinished }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        try? await core.group.shutdownGracefully()
    }

    /// Each peer link's state, for `/health`.
    public var status: [PeerLinkStatus] {
        core.statuses.withLock { statuses in statuses.keys.sorted().map { statuses[$0]! } }
    }

    /// This region's applied horizon and the current purge horizon.
    public var horizons: (applied: HybridTimestamp, purge: HybridTimestamp?) {
        (core.horizons.appliedHorizon, core.horizons.purgeHorizon(grace: core.configuration.settings.tombstoneGrace))
    }

    private func startPurger() {
        let core = self.core
        let wake = purgeWake
        purger.withLock {
            $0 = BackgroundThread(niceness: 5) {
                while !core.stopped.load(ordering: .acquiring) {
                    _ = wake.take(waitingUpTo: core.configuration.purgeInterval)
                    guard !core.stopped.load(ordering: .acquiring),
                          let horizon = core.horizons.purgeHorizon(grace: core.configuration.settings.tombstoneGrace)
                    else { continue }
                    do {
                        let purged = try core.tables.purgeTombstones(before: horizon, durability: .buffered)
                        if purged > 0 {
                            core.metrics.counter("tern_replication_tombstones_purged_total", []).increment(by: purged)
                            core.logger.debug("tombstones purged", metadata: ["count": "\(purged)", "before": "\(horizon)"])
                        }
                    } catch {
                        core.logger.error("purging tombstones failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
