import Glibc
import TernEngine
import TernReplication
import TernTables
import TernTesting

/// A deterministic simulation of 3 to 5 regions replicating one global table (with a secondary
/// index) over a simulated network that delays, reorders, duplicates and loses frames, with
/// partitions that heal, clocks skewed within and beyond the bound, connection resets, crashes
/// that lose unsynced writes, and tombstone purges. After the faults stop and the network
/// settles, every region must hold the same contents, each key the write with the greatest
/// stamp among the writes that survived, and indexes that match the items.
///
/// One seed is one history: every random choice comes from `SeededGenerator(seed)`, and time is
/// simulated (no sleeps, no wall clock).
struct ReplicationSimulation {
    struct Report: CustomStringConvertible {
        var seed: UInt64
        var regions = 0
        var writes = 0
        var lostWrites = 0
        var crashes = 0
        var applied = 0
        var overwritten = 0
        var skewRefusals = 0
        var tombstonesPurged = 0
        var framesSent = 0
        var framesDropped = 0
        var settleRounds = 0

        var description: String {
            "seed \(seed): \(regions) regions, \(writes) writes (\(lostWrites) lost in \(crashes) crashes), \(applied) applied, "
                + "\(overwritten) overwritten, \(skewRefusals) skew refusals, \(tombstonesPurged) tombstones purged, "
                + "\(framesSent) frames (\(framesDropped) dropped), settled in \(settleRounds) rounds"
        }
    }

    /// A frame on the simulated wire: encoded, so every frame goes through the codec.
    struct Envelope {
        var connection: Int
        var bytes: [UInt8]

        init(connection: Int, message: PeerMessage) {
            self.connection = connection
            bytes = message.frame.encoded
        }

        var message: PeerMessage {
            get throws {
                var buffer = bytes
                let frames = try Frame.split(&buffer)
                precondition(frames.count == 1 && buffer.isEmpty, "one frame per envelope")
                return try PeerMessage(frames[0])
            }
        }
    }

    struct ModelWrite {
        var region: Int
        var key: String
        var item: Item?
        var stamp: WriteStamp
        var commit: HybridTimestamp
        var lost = false
    }

    static let table = "Sim"
    static let keys = (0..<12).map { "k\($0)" }
    static let owners = ["ann", "bob", "cy"]

    var random: SeededGenerator
    var report: Report
    var regions: [SimulatedRegion] = []
    var network: SimulatedNetwork<Envelope>
    var now: Int64 = 1_764_900_000_000_000
    var nextConnection = 1
    var writes: [ModelWrite] = []
    let steps: Int
    let settings: ReplicationSettings

    init(seed: UInt64, steps: Int = 200) {
        random = SeededGenerator(seed: seed)
        report = Report(seed: seed)
        self.steps = steps
        var settings = ReplicationSettings()
        settings.maxFrameBytes = 600  // a few batches a frame: many frames to reorder and lose
        settings.windowBytes = 4_000
        settings.heartbeatInterval = .milliseconds(20)
        settings.retransmitTimeout = .milliseconds(150)
        settings.cursorPersistInterval = .milliseconds(40)
        settings.tombstoneGrace = .milliseconds(30)
        self.settings = settings
        network = SimulatedNetwork(faults: .init(delayMicroseconds: 200...6_000))
    }

    // MARK: - Running

    /// Runs the history and checks the outcome; throws `SimulationFailure` naming the seed.
    mutating func run() throws -> Report {
        defer { for region in regions { region.close() } }
        let clock = ContinuousClock()
        let t0 = clock.now
        try setUp()
        let t1 = clock.now
        for _ in 0..<steps { try step() }
        let t2 = clock.now
        try settle()
        let t3 = clock.now
        try check()
        report.framesSent = network.sent
        report.framesDropped = network.dropped
        let t4 = clock.now
        if getenv("TERN_SIM_TIMING") != nil { print("[timing] setup \(t1 - t0) steps \(t2 - t1) settle \(t3 - t2) check \(t4 - t3) \(report)") }
        return report
    }

    mutating func setUp() throws {
        let count = Int.random(in: 3...5, using: &random)
        report.regions = count
        let names = ["ap-south", "eu-west", "us-east", "sa-east", "af-north"].prefix(count)
        for (index, name) in names.enumerated() {
            regions.append(try SimulatedRegion(index: index, name: name, start: now, settings: settings))
        }
        for region in regions { try region.open(peers: peers(of: region.index)) }
        network.faults.loss = Double.random(in: 0...0.08, using: &random)
        network.faults.duplication = Double.random(in: 0...0.05, using: &random)
        // Streams first, so the table's record is in every feed they read; nothing to resync yet.
        for sender in regions.indices { for receiver in regions.indices where receiver != sender { try connect(sender, receiver) } }
        for region in regions { for (_, link) in region.outbound { try link.stream.resyncCompleted() } }
        let creator = regions[0].tables!
        try creator.createTable(CreateTableRequest(
            tableName: Self.table, keySchema: [KeySchemaElement(attributeName: "k", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "k", attributeType: .string),
                                   AttributeDefinition(attributeName: "owner", attributeType: .string)],
            billingMode: .payPerRequest,
            globalSecondaryIndexes: [GlobalSecondaryIndex(
                indexName: "by-owner", keySchema: [KeySchemaElement(attributeName: "owner", keyType: .hash)], projection: .all)]),
            durability: .synced)
        try creator.updateTable(
            UpdateTableRequest(tableName: Self.table, replicaUpdates: regions.dropFirst().map { .create(regionName: $0.region.name) }),
            durability: .synced)
    }

    func peers(of index: Int) -> [RegionID] {
        regions.indices.filter { $0 != index }.map { regions[$0].region }
    }

    mutating func step() throws {
        advance(by: Int64.random(in: 0...2_000, using: &random))
        let roll = Int.random(in: 0..<100, using: &random)
        let region = Int.random(in: 0..<regions.count, using: &random)
        switch roll {
        case 0..<45: try write(at: region)
        case 45..<80: try pump(region)
        case 80..<84: try connect(region, Int.random(in: 0..<regions.count, using: &random))
        case 84..<86: disconnect(region, Int.random(in: 0..<regions.count, using: &random))
        case 86..<88:
            if Bool.random(using: &random) { network.heal() } else { partition(region, Int.random(in: 0..<regions.count, using: &random)) }
        case 88: try crash(region)
        case 89..<91: skew(region)
        case 91..<93: try purge(region)
        default: break
        }
        try deliver()
    }

    mutating func advance(by microseconds: Int64) {
        now += microseconds
        for region in regions { region.setTime(now) }
    }
}

struct SimulationFailure: Error, CustomStringConvertible {
    var seed: UInt64
    var message: String
    var description: String { "replication simulation seed \(seed) (rerun with TERN_SEED=\(seed)): \(message)" }
}
