import CoreMetrics
import Glibc
import Logging
import NIOCore
import NIOPosix
import OITHExample
import Synchronization
import TernEngine
import TernReplication
import TernTables

/// Replication between the main job's regions: one `Replicator` per region (the component a
/// matching service attaches to its store), a full mesh of peer links, each link through a
/// `LinkProxy` that disrupts 1 % of the traffic (dropped connections, delays) and can cut a
/// region off. Authenticated by a random cluster secret (HMAC challenge).
final class ReplicationMesh {
    let replicators: [String: Replicator]
    /// The proxy each ordered pair's link goes through: `proxies["a>b"]` is in front of b, for a.
    let proxies: [String: LinkProxy]
    let group: MultiThreadedEventLoopGroup
    /// The lag of every change applied, per region.
    let captures: [LagCapture]
    private var lastConflicts = 0

    private init(replicators: [String: Replicator], proxies: [String: LinkProxy], group: MultiThreadedEventLoopGroup, captures: [LagCapture]) {
        self.replicators = replicators
        self.proxies = proxies
        self.group = group
        self.captures = captures
    }

    /// Starts proxies and replicators for `regions`, with `disruption` of each link's chunks
    /// dropped or delayed.
    static func start(regions: [Region], disruption: Double, timeline: Timeline) throws -> ReplicationMesh {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var secretBytes: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<32 { secretBytes.append(UInt8.random(in: 0...255, using: &generator)) }
        let secret = try ClusterSecret(secretBytes)
        var proxies: [String: LinkProxy] = [:]
        var proxyPorts: [String: Int] = [:]
        for from in regions {
            for to in regions where to !== from {
                let proxy = LinkProxy(name: "\(from.name)>\(to.name)", group: group, upstreamPort: 0)
                proxy.disruption = .init(dropProbability: disruption / 2, delayProbability: disruption / 2, delay: .milliseconds(30))
                proxyPorts[proxy.name] = try blockOn { try await proxy.start() }
                proxies[proxy.name] = proxy
            }
        }
        var logger = Logger(label: "tern.demo.replication")
        logger.logLevel = .critical
        var replicators: [String: Replicator] = [:]
        var captures: [LagCapture] = []
        for region in regions {
            let peers = try regions.filter { $0 !== region }.map {
                PeerEndpoint(region: try RegionID($0.name), host: "127.0.0.1", port: proxyPorts["\(region.name)>\($0.name)"]!)
            }
            var configuration = ReplicationConfiguration(
                region: try RegionID(region.name), listenPort: 0, peers: peers, secret: secret)
            configuration.backoffBase = .milliseconds(20)
            configuration.backoffCap = .milliseconds(500)
            configuration.circuitOpenDuration = .seconds(1)
            let capture = LagCapture(region: region.name, timeline: timeline)
            captures.append(capture)
            replicators[region.name] = try Replicator(tables: region.tables, configuration: configuration, logger: logger, metricsFactory: capture)
        }
        for (name, replicator) in replicators { _ = try blockOn { try await replicator.start() }; _ = name }
        for (name, proxy) in proxies {
            let target = String(name.split(separator: ">")[1])
            proxy.setUpstreamPort(replicators[target]!.listeningPort ?? 0)
        }
        return ReplicationMesh(replicators: replicators, proxies: proxies, group: group, captures: captures)
    }

    func stop() {
        for replicator in replicators.values { try? blockOn { await replicator.stop() } }
        for proxy in proxies.values { try? blockOn { await proxy.stop() } }
        try? group.syncShutdownGracefully()
    }

    /// Cuts `region` off from every other region (both directions), or heals it.
    func setPartition(_ region: String, _ cut: Bool) {
        for (name, proxy) in proxies where name.split(separator: ">").contains(where: { $0 == region }) {
            proxy.setPartitioned(cut)
        }
    }

    /// Whether every link from and to `region` has delivered what its origin had committed by
    /// `targets` (each region's durable sequence when the partition healed): the backlog of the
    /// partition is across.
    func isCaughtUp(_ region: String, targets: [String: SequenceNumber]) -> Bool {
        replicators.allSatisfy { origin, replicator in
            replicator.status.allSatisfy { link in
                guard origin == region || link.peer.name == region, let target = targets[origin] else { return true }
                return link.ackedThrough >= target
            }
        }
    }

    /// Records the conflicts resolved since the last sample (lags are captured as they happen).
    func sample(into timeline: Timeline) {
        var conflicts = 0
        for replicator in replicators.values {
            for link in replicator.status { conflicts += link.conflictsOverwritten }
        }
        if conflicts > lastConflicts { timeline.sample("conflicts", UInt64(conflicts - lastConflicts)) }
        lastConflicts = max(lastConflicts, conflicts)
    }

    var summary: ReplicationSummary {
        let statuses = replicators.values.flatMap(\.status)
        let lagSamples = captures.flatMap { $0.samples.withLock { $0 } }
        return ReplicationSummary(
            lagP50Milliseconds: Double(percentile(lagSamples, 0.5)) / 1000,
            lagP99Milliseconds: Double(percentile(lagSamples, 0.99)) / 1000,
            conflictsOverwritten: statuses.reduce(0) { $0 + $1.conflictsOverwritten },
            reconnects: statuses.reduce(0) { $0 + $1.reconnects },
            disruptedChunks: proxies.values.reduce(0) { $0 + $1.drops.load(ordering: .relaxed) + $1.delays.load(ordering: .relaxed) },
            chunks: proxies.values.reduce(0) { $0 + $1.chunks.load(ordering: .relaxed) })
    }
}

struct ReplicationSummary {
    var lagP50Milliseconds: Double
    var lagP99Milliseconds: Double
    var conflictsOverwritten: Int
    var reconnects: Int
    var disruptedChunks: Int
    var chunks: Int
}

extension MainJob {
    var replicationAttached: Bool { mesh != nil }

    /// Starts replication (for more than one region), then makes Users, Matches and Messages
    /// global from the first region and waits until every region holds them.
    func attachReplication() throws {
        guard regions.count > 1 else { return }
        mesh = try ReplicationMesh.start(regions: regions, disruption: options.disruption, timeline: timeline)
        print("   replication: \(regions.count) replicators, a full mesh of \(mesh!.proxies.count) authenticated links, "
            + "each through a proxy disrupting \(format(options.disruption * 100)) % of its traffic")
        let primary = regions[0]
        for table in Region.globalTables where try primary.tables.globalTableRecord(table) == nil {
            try primary.tables.updateTable(UpdateTableRequest(
                tableName: table, replicaUpdates: regions.dropFirst().map { .create(regionName: $0.name) }), durability: .synced)
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let ready = regions.allSatisfy { region in
                Region.globalTables.allSatisfy { (try? region.tables.globalTableRecord($0)) != nil }
            }
            if ready {
                print("   global tables \(Region.globalTables.joined(separator: ", ")) in every region; Analytics stays local")
                return
            }
            usleep(20_000)
        }
        throw TernError(.ioError, "the global tables did not reach every region within 60 s")
    }

    func setPartition(_ region: String, _ cut: Bool) {
        mesh?.setPartition(region, cut)
    }

    func sampleReplication() {
        guard let mesh else { return }
        mesh.sample(into: timeline)
        results.replication = mesh.summary
        if let healed = healedAt, results.catchUpSeconds == nil, let region = results.partition?.region,
           mesh.isCaughtUp(region, targets: healTargets) {
            results.catchUpSeconds = timeline.elapsed() - healed
        }
    }

    func detachReplication() {
        mesh?.stop()
    }
}

/// Runs an async operation from synchronous code and waits for it (the demo's few async calls).
func blockOn<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    Task.detached {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
    }
    while true {
        if let result = outcome.withLock({ $0 }) { return try result.get() }
        usleep(1_000)
    }
}

/// The metrics of one region's `Replicator`, as the main job reads them: the lag of every change
/// applied (`tern_replication_lag_seconds`, per origin) goes into the timeline; everything else
/// is dropped (the node's `/metrics` would serve it).
final class LagCapture: MetricsFactory {
    let region: String
    let timeline: Timeline
    let samples = Mutex<[UInt64]>([])

    init(region: String, timeline: Timeline) {
        self.region = region
        self.timeline = timeline
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard label == "tern_replication_lag_seconds", let origin = dimensions.first(where: { $0.0 == "peer" })?.1 else {
            return NOOPMetricsHandler.instance
        }
        return LagTimer(series: "lag \(origin)→\(region)", capture: self)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    final class LagTimer: TimerHandler {
        let series: String
        let capture: LagCapture

        init(series: String, capture: LagCapture) {
            self.series = series
            self.capture = capture
        }

        func recordNanoseconds(_ duration: Int64) {
            let micros = UInt64(max(0, duration) / 1000)
            capture.timeline.sample(series, micros)
            capture.samples.withLock { $0.append(micros) }
        }
    }
}
