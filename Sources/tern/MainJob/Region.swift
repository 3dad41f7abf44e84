import OITHExample
import TernEngine
import TernRecovery
import TernTables

/// One region of the main job: its store (the replica a matching service embeds), its
/// continuous archive, and point-in-time recovery over them. Replication is attached by the
/// main job once every region is open.
final class Region: Sendable {
    let name: String
    let tables: TableStore
    let archive: ContinuousArchive
    let recovery: TableRecovery

    /// The tables every region holds. Users, Matches and Messages are made global; Analytics
    /// stays local to each region (per-region counters).
    static let globalTables = [OITHSchemas.usersTableName, "Matches", "Messages"]
    static let localTables = ["Analytics"]

    init(name: String, root: String) throws {
        self.name = name
        var options = StoreOptions()
        options.memtableBudgetBytes = 8 << 20
        tables = try TableStore.open(at: Path.join(root, "\(name)/data"), storeOptions: options, clock: .system)
        var archiveOptions = ArchiveOptions()
        archiveOptions.checkpointInterval = .seconds(30)
        archive = try ContinuousArchive.start(store: tables.store, directory: Path.join(root, "\(name)/archive"), options: archiveOptions)
        recovery = TableRecovery(tables: tables, archive: archive)
    }

    /// Creates the OITH tables that do not exist yet: all four with `global` (the region that
    /// makes them global), Analytics alone otherwise.
    func createTables(global: Bool) throws {
        let requests = global ? [OITHSchemas.users, OITHSchemas.matches, OITHSchemas.messages, OITHSchemas.analytics] : [OITHSchemas.analytics]
        for request in requests { _ = try tables.createTableIfNotExists(request, durability: .synced) }
    }

    func close() throws {
        try archive.stop()
        try tables.close()
    }

    /// Which region a user at `longitude` is homed in: the Americas east of 100° W, the Pacific
    /// rim (west of 100° W or east of 100° E), everyone else in Europe's region.
    static func home(longitude: Double, regions: [String]) -> String {
        switch regions.count {
        case 1: return regions[0]
        case 2: return longitude < -30 ? regions[0] : regions[1]
        default:
            if longitude < -100 || longitude > 100 { return regions[1] }
            if longitude < -30 { return regions[0] }
            return regions[2]
        }
    }
}
