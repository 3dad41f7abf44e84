import TernEngine
import TernReplication
import TernTables
import TernTesting

/// One region of the simulation: a store on a simulated disk, a clock the simulation sets (the
/// simulated time plus this region's skew), the replication state of a process (streams per
/// peer, horizons), all of which a crash throws away.
final class SimulatedRegion {
    let index: Int
    let region: RegionID
    let fileSystem = FaultInjectingFileSystem()
    let physical: TernTesting.ManualClock
    /// This region's clock minus the simulated time, in microseconds.
    var skew: Int64 = 0
    private(set) var tables: TableStore!
    private(set) var horizons: HorizonTracker!
    var peers: [RegionID] = []
    /// Outbound streams by peer index, with the connection they belong to.
    var outbound: [Int: (connection: Int, stream: OutboundStream)] = [:]
    /// Inbound streams by origin index.
    var inbound: [Int: (connection: Int, stream: InboundStream)] = [:]
    let settings: ReplicationSettings
    /// Every batch this region committed at or before this stamp is durable (known synced).
    var durableThrough = HybridTimestamp.zero

    init(index: Int, name: String, start: Int64, settings: ReplicationSettings) throws {
        self.index = index
        region = try RegionID(name)
        physical = TernTesting.ManualClock(microseconds: UInt64(start))
        self.settings = settings
    }

    /// Opens the store (creating it the first time) and the process state.
    func open(peers: [RegionID]) throws {
        self.peers = peers
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.memtableBudgetBytes = 32 << 10
        options.clock = HybridLogicalClock(physicalClock: physical)
        tables = try TableStore.open(at: "/\(region.name)", storeOptions: options, clock: TableClock { 1_700_000_000 }, ttlPurgeInterval: nil)
        if tables.region == nil { try tables.setRegion(region, durability: .synced) }
        horizons = try HorizonTracker(peers: Set(peers), tables: tables)
        outbound = [:]
        inbound = [:]
    }

    /// A power cut: what was not synced is lost (whole, or a torn tail), the process's state goes.
    func crash(torn: Bool) {
        fileSystem.crash(stopping: tables.store, torn ? .torn(keep: { $0 / 2 }) : .dropped)
        tables = nil
        horizons = nil
        outbound = [:]
        inbound = [:]
    }

    var isUp: Bool { tables != nil }

    func setTime(_ simulated: Int64) {
        physical.set(microseconds: UInt64(simulated + skew))
    }

    func close() {
        try? tables?.close()
        tables = nil
    }
}
