import Glibc
import InMemoryLogging
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernReplication

/// Replicators over loopback TCP in one process: three regions converge; a speaker without the
/// secret or speaking garbage is refused, logged, and changes nothing.
/// A region's store, its replicator, and the log (for the loopback tests).
final class LoopbackNode: Sendable {
    let region: RegionID
    let tables: TableStore
    let log = InMemoryLogHandler()
    let replicator: Replicator

    init(_ name: String, port: Int, peers: [PeerEndpoint], secret: ClusterSecret) throws {
        region = try RegionID(name)
        var options = StoreOptions()
        options.fileSystem = MemoryFileSystem()
        options.memtableBudgetBytes = 256 << 10
        tables = try TableStore.open(at: "/\(name)", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        var configuration = ReplicationConfiguration(region: region, listenPort: port, peers: peers, secret: secret)
        configuration.backoffCap = .milliseconds(200)
        configuration.purgeInterval = .milliseconds(200)
        configuration.settings.tombstoneGrace = .milliseconds(100)
        let log = self.log
        var logger = Logger(label: "replication.\(name)", factory: { _ in log })
        logger.logLevel = .debug
        replicator = try Replicator(tables: tables, configuration: configuration, logger: logger)
    }

    /// The table's items, index entries and stamps (tombstones are purged on each region's own schedule).
    func digest(_ table: String) throws -> StoreDigest {
        let id = try tables.describeTable(DescribeTableRequest(tableName: table)).table.tableID
        var lower: [UInt8] = []
        var upper: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) {
            lower.append(UInt8(truncatingIfNeeded: id >> UInt32(shift)))
            upper.append(UInt8(truncatingIfNeeded: (id + 1) >> UInt32(shift)))
        }
        return StoreDigest(try tables.store.scan(lowerBound: lower, upperBound: upper).filter { $0.key[4] != 253 }.map { (Array($0.key[4...]), $0.value) })
    }
}

@Suite(.serialized) struct ReplicatorTests {
    static let secret = try! ClusterSecret(Array("a cluster secret for tests".utf8))
    static let table = "Pets"

    /// Ports nobody listens on right now (bound and released). They are drawn below the
    /// kernel's ephemeral range (32768 and up on Linux), so a socket another test binds to
    /// port 0, or an outgoing connection, cannot take one between this check and the
    /// replicator's own bind.
    static func freePorts(_ count: Int) async throws -> [Int] {
        var ports: [Int] = []
        var channels: [any Channel] = []
        while ports.count < count {
            let candidate = Int.random(in: 20_000..<32_000)
            guard !ports.contains(candidate),
                let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .bind(host: "127.0.0.1", port: candidate).get()
            else { continue }
            channels.append(channel)
            ports.append(candidate)
        }
        for channel in channels { try await channel.close() }
        return ports
    }

    /// Runs `body` with a mesh of regions, stopping them after. Ports are found free and then
    /// bound by the replicators; another test can take one in between, so a bind failure starts
    /// over with new ports.
    static func withMesh(_ names: [String], _ body: ([LoopbackNode]) async throws -> Void) async throws {
        for attempt in 1...5 {
            do {
                return try await withMeshOnce(names, body)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 5 {
                continue
            }
        }
    }

    private static func withMeshOnce(_ names: [String], _ body: ([LoopbackNode]) async throws -> Void) async throws {
        let ports = try await freePorts(names.count)
        let regions = try names.map(RegionID.init)
        let nodes = try names.indices.map { index in
            try LoopbackNode(
                names[index], port: ports[index],
                peers: names.indices.filter { $0 != index }.map { PeerEndpoint(region: regions[$0], host: "127.0.0.1", port: ports[$0]) },
                secret: secret)
        }
        do {
            for node in nodes { try await node.replicator.start() }
            try await body(nodes)
        } catch {
            await stop(nodes)
            throw error
        }
        await stop(nodes)
    }

    static func stop(_ nodes: [LoopbackNode]) async {
        for node in nodes {
            await node.replicator.stop()
            try? await node.tables.close()
        }
    }

    /// Polls `condition` every 10 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 90, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    @Test func threeRegionsConvergeOverTCP() async throws {
        try await Self.withMesh(["east", "west", "north"]) { nodes in
        try await nodes[0].tables.createTable(CreateTableRequest(
            tableName: Self.table, keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest),
            durability: .synced)
        for index in 0..<20 {  // written before the table was global: copied to new replicas by anti-entropy
            try await nodes[0].tables.putItem(PutItemRequest(tableName: Self.table, item: ["pk": .string("old\(index)")]), durability: .synced)
        }
        try nodes[0].tables.updateTable(
            UpdateTableRequest(tableName: Self.table, replicaUpdates: [.create(regionName: "west"), .create(regionName: "north")]), durability: .synced)
        let created = try await Self.eventually {
            nodes.allSatisfy { node in
                (try? node.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table.replicas?.allSatisfy { $0.replicaStatus == .active }) == true
            }
        }
        #expect(created, "every region created its replica and announced it: \(nodes.map { node in node.log.entries.map { "\(node.region) \($0.level) \($0.message) \($0.metadata)" } })")
        for round in 0..<40 {
            for (index, node) in nodes.enumerated() {
                let key = "k\((round * 7 + index) % 25)"
                if round % 9 == 8 {
                    try await node.tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["pk": .string(key)]), durability: .synced)
                } else {
                    try await node.tables.putItem(PutItemRequest(tableName: Self.table, item: ["pk": .string(key), "from": .string(node.region.name), "round": .number(Number(round))]), durability: .buffered)
                }
            }
        }
        let converged = try await Self.eventually {
            let digests = try nodes.map { try $0.digest(Self.table) }
            return digests.allSatisfy { $0 == digests[0] }
        }
        #expect(converged, "the three regions hold the same items and stamps: \(nodes.map { node in node.log.entries.filter { "\($0.message)".contains("anti") }.map { "\(node.region) \($0.message) \($0.metadata)" } })")
        let copied = try await nodes[1].tables.getItem(GetItemRequest(tableName: Self.table, key: ["pk": "old7"])).item
        #expect(copied != nil, "an item from before the table was global reached the new replica")
        // Replication alone converged (the digests above). Tombstones are purged 100 ms after
        // every region has them, at slightly different moments per region, so a repair right now
        // may still see a tombstone one side has purged; once the purges are through, it finds
        // nothing to do.
        var reports = try await nodes[1].replicator.repair(tableName: Self.table)
        for _ in 0..<50 where !reports.allSatisfy({ $0.leavesDiffering == 0 && $0.pushed + $0.pulled == 0 }) {
            try await Task.sleep(for: .milliseconds(100))
            reports = try await nodes[1].replicator.repair(tableName: Self.table)
        }
        #expect(reports.count == 2 && reports.allSatisfy { $0.refusal == nil && $0.leavesDiffering == 0 && $0.pushed + $0.pulled == 0 }, "\(reports)")
        let digests = try nodes.map { try $0.digest(Self.table) }
        #expect(digests.allSatisfy { $0 == digests[0] }, "the regions still agree after the repairs")
        let status = nodes[0].replicator.status
        #expect(status.count == 2 && status.allSatisfy { $0.state == .connected && $0.inboundConnected })
        }
    }

    @Test func aSpeakerWithoutTheSecretOrSpeakingGarbageIsRefusedAndLogged() async throws {
        try await Self.withMesh(["east", "west"]) { nodes in
        let port = nodes[0].replicator.listeningPort!
        let before = nodes[0].tables.store.durableSequence
        // Garbage: a frame length over the limit.
        try await Self.send([0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 2, 3], to: port)
        // A hello from a region that is not a peer.
        let stranger = DialerHandshake(secret: Self.secret, local: try RegionID("mallory"), incarnation: 1, expected: nodes[0].region, nonce: [UInt8](repeating: 7, count: 32))
        try await Self.send(stranger.hello.frame.encoded, to: port)
        // The right region with the wrong secret: the listener's challenge is answered with a made-up proof.
        let impostor = DialerHandshake(secret: try ClusterSecret(Array("not the cluster secret!".utf8)), local: nodes[1].region, incarnation: 1, expected: nodes[0].region, nonce: [UInt8](repeating: 8, count: 32))
        try await Self.send(impostor.hello.frame.encoded + PeerMessage.proof([UInt8](repeating: 0, count: 32)).frame.encoded, to: port)
        // The same hello again: a replay.
        try await Self.send(impostor.hello.frame.encoded, to: port)
        let refused = try await Self.eventually(10) {
            let reasons = nodes[0].log.entries.filter { $0.level == .warning && "\($0.message)" == "replication link refused" }
                .compactMap { $0.metadata["reason"].map { "\($0)" } }
            return Set(reasons).isSuperset(of: ["malformed", "unknownRegion", "authentication", "replayed"])
        }
        #expect(refused, "\(nodes[0].log.entries.map { "\($0.message) \($0.metadata)" })")
        #expect(nodes[0].tables.store.durableSequence == before, "nothing a refused speaker sent was written")
        }
    }

    /// Opens a connection, sends `bytes`, reads until the node closes it (or 5 s).
    static func send(_ bytes: [UInt8], to port: Int) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        _ = try? await channel.closeFuture.get()
    }
}
