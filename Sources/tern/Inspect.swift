import ArgumentParser
import TernEngine
import TernTables

/// `tern inspect`: what a table store directory holds, without changing it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the tables of a store, their items and index entries, sizes and levels, without changing anything.",
        discussion: """
            Opens the store read-only: no lock is taken and nothing is written, so it works on \
            the directory of a running service (and shows the state on disk at that moment: \
            the manifest, the tables and the WAL replayed in memory). Counting walks the whole \
            store once.
            """)

    @Argument(help: "The store directory (e.g. tern-data/us-east/data after tools/demo).")
    var directory: String

    func run() throws {
        var options = StoreOptions()
        options.readOnly = true
        let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        defer { try? tables.close() }
        let summary = try tables.summary()
        let recovery = tables.store.recoveryReport
        print("store \(directory) (opened read-only)")
        var recovered = "  log: \(recovery.walsReplayed.count) WAL\(recovery.walsReplayed.count == 1 ? "" : "s") replayed in memory, \(recovery.batchesReplayed) batches"
        if !recovery.tornTails.isEmpty {
            recovered += "; torn tail of \(recovery.tornTails.map(\.file).joined(separator: ", ")) ignored (a write in progress)"
        }
        print(recovered)
        let levels = summary.engine.levelFileCounts.indices.filter { summary.engine.levelFileCounts[$0] > 0 }
        if levels.isEmpty { print("  levels: no tables yet") }
        for level in levels {
            print("  level \(level): \(summary.engine.levelFileCounts[level]) files, \(Inspect.size(summary.engine.levelSizesBytes[level]))")
        }
        print("tables: \(summary.tables.count)")
        for table in summary.tables {
            print("  \(table.name) (id \(table.tableID)): \(table.items) items, \(Inspect.size(table.itemBytes))")
            for index in table.indexes {
                print("    \(index.kind) \(index.name): \(index.entries) entries, \(Inspect.size(index.bytes))")
            }
        }
        if summary.unreferencedEntries > 0 {
            print("entries of no table: \(summary.unreferencedEntries) (a dropped table's data, removed at the next read-write open)")
        }
    }

    /// Bytes with a binary unit.
    static func size(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : "\(format(value)) \(units[unit])"
    }
}
