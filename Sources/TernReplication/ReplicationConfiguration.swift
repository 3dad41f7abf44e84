import TernTables

/// Where a peer region's replication listener is.
public struct PeerEndpoint: Sendable, Hashable {
    public var region: RegionID
    public var host: String
    public var port: Int

    public init(region: RegionID, host: String, port: Int) {
        self.region = region
        self.host = host
        self.port = port
    }
}

/// Everything a `Replicator` is told: this region, where it listens, its peers, the secret.
public struct ReplicationConfiguration: Sendable {
    /// This store's region (written into the store on start; a store does not change region).
    public var region: RegionID
    public var listenHost: String
    /// 0: any free port (`Replicator.listeningPort` tells which).
    public var listenPort: Int
    /// Every other region (a full mesh: each region ships its own writes to all of them).
    public var peers: [PeerEndpoint]
    public var secret: ClusterSecret
    public var settings = ReplicationSettings()
    /// Reconnection backoff (exponential, full jitter) and the per-peer circuit breaker.
    public var backoffBase: Duration = .milliseconds(50)
    public var backoffCap: Duration = .seconds(5)
    public var circuitFailureThreshold = 5
    public var circuitOpenDuration: Duration = .seconds(10)
    /// A handshake that does not finish within this is dropped.
    public var handshakeTimeout: Duration = .seconds(5)
    /// How often tombstones are purged (as far as the horizons allow).
    public var purgeInterval: Duration = .seconds(10)
    /// How often each link compares its tables with its peer (anti-entropy); nil: only on demand.
    public var antiEntropyInterval: Duration? = .seconds(600)
    /// Buffered writes reach the change feed when the WAL is synced: the sender syncs it at
    /// most this often (a no-op when everything is synced already).
    public var feedSyncInterval: Duration = .milliseconds(5)

    public init(region: RegionID, listenHost: String = "127.0.0.1", listenPort: Int, peers: [PeerEndpoint], secret: ClusterSecret) {
        self.region = region
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.peers = peers
        self.secret = secret
    }
}
