import Logging
import TernEngine
import TernReplication
import TernTables
import TernWire

/// What `tern serve --replication HOST:PORT --peer NAME=HOST:PORT --secret-file FILE` asks for.
public struct NodeReplication: Sendable {
    /// Where the replication listener binds (its own port, beside the HTTP API).
    public var host: String
    public var port: Int
    /// Every other region's node.
    public var peers: [PeerEndpoint]
    public var secret: ClusterSecret
    /// Anything else (skew bound, intervals) as the library's defaults, unless set here.
    public var tune: @Sendable (inout ReplicationConfiguration) -> Void

    public init(host: String, port: Int, peers: [PeerEndpoint], secret: ClusterSecret,
                tune: @escaping @Sendable (inout ReplicationConfiguration) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.peers = peers
        self.secret = secret
        self.tune = tune
    }
}

extension Node {
    /// Starts replication when configured: the node's region, its peers, the node's metrics.
    static func startReplication(core: NodeCore, tables: TableStore) async throws {
        guard let replication = core.configuration.replication else { return }
        do {
            var configuration = ReplicationConfiguration(
                region: try RegionID(core.configuration.region), listenHost: replication.host, listenPort: replication.port,
                peers: replication.peers, secret: replication.secret)
            replication.tune(&configuration)
            let replicator = try Replicator(
                tables: tables, configuration: configuration, logger: Logger(label: "tern.replication"),
                metricsFactory: core.metrics.factory)
            try await replicator.start()
            core.replicator.withLock { $0 = replicator }
        } catch {
            let archive = core.recovery.withLock { $0?.archive }
            try? await core.pool.runIfActive {
                try? archive?.stop()
                try tables.close()
            }
            throw NodeStartError(message: "cannot start replication on \(replication.host):\(replication.port): \(error)")
        }
    }

    /// The replicator, when the node replicates.
    public var replicator: Replicator? { core.replicator.withLock { $0 } }
}

extension NodeCore {
    /// `/health`'s replication member: the region's horizons and every peer link.
    func writeReplicationHealth(_ replicator: Replicator, to writer: inout JSONWriter) {
        writer.key("replication")
        writer.beginObject()
        let horizons = replicator.horizons
        writer.member("appliedHorizon", horizons.applied.description)
        writer.member("purgeHorizon", horizons.purge?.description)
        writer.key("peers")
        writer.beginArray()
        for peer in replicator.status {
            writer.beginObject()
            writer.member("region", peer.peer.name)
            writer.member("state", peer.state.rawValue)
            writer.member("circuit", peer.circuit)
            writer.member("ackedThrough", Int(peer.ackedThrough.rawValue))
            writer.member("behindOperations", Int(peer.behindOperations))
            writer.member("inFlightBytes", peer.inFlightBytes)
            if let lag = peer.lastLagMilliseconds { writer.member("lagMilliseconds", "\(lag)") }
            writer.member("inboundConnected", peer.inboundConnected)
            writer.member("appliedThrough", Int(peer.appliedThrough.rawValue))
            writer.member("needsResync", peer.needsResync)
            writer.member("reconnects", peer.reconnects)
            writer.member("skewRefusals", peer.skewRefusals)
            writer.member("conflictsOverwritten", peer.conflictsOverwritten)
            writer.member("lastError", peer.lastError)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}
