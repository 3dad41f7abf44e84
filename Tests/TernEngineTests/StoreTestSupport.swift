import TernTesting
@testable import TernEngine

/// Options for a store on `fileSystem` with a tiny memtable, tiny levels, files and caches, so
/// tests exercise flushes, compactions, cache eviction and table-cache eviction.
func testOptions(_ fileSystem: any FileSystem, memtableBudgetBytes: Int = 16 << 10) -> StoreOptions {
    var options = StoreOptions()
    options.fileSystem = fileSystem
    options.memtableBudgetBytes = memtableBudgetBytes
    options.level1MaxBytes = 64 << 10
    options.targetFileSizeBytes = 16 << 10
    options.blockCacheBytes = 64 << 10
    options.maxOpenTables = 8
    // Small, so the crash and model tests also cross manifest rotations.
    options.manifestRotationBytes = 4 << 10
    return options
}

extension Store {
    /// Every live entry, in key order.
    func allEntries() throws -> [(key: [UInt8], value: [UInt8])] {
        try scan()
    }
}

/// Checks that `store` holds exactly `model` (point reads and a full scan both ways).
func expectEqual(_ store: Store, _ model: KeyValueModel, _ context: String) throws -> Bool {
    let expected = model.scan()
    if let difference = firstDifference(try store.scan(), expected) {
        print("[\(context)] scan differs: \(difference)")
        return false
    }
    if let difference = firstDifference(try store.scan(reverse: true), expected.reversed()) {
        print("[\(context)] reverse scan differs: \(difference)")
        return false
    }
    for (key, value) in expected where try store.get(key) != value {
        print("[\(context)] get differs for \(String(decoding: key, as: UTF8.self))")
        return false
    }
    return true
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
