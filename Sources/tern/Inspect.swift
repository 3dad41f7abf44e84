import ArgumentParser
import TernEngine

/// `tern inspect`: what a store directory holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a store read-write, print its levels and entry count, and close it.",
        discussion: "The store must not be open elsewhere (its directory lock is taken).")

    @Argument(help: "The store directory.")
    var directory: String

    func run() throws {
        var options = StoreOptions()
        options.createIfMissing = false
        let store = try Store.open(at: directory, options: options)
        defer { try? store.close() }
        let statistics = store.statistics
        var entries = 0
        var iterator = try store.makeIterator()
        iterator.seekToFirst()
        while iterator.isValid {
            entries += 1
            iterator.next()
        }
        try iterator.checkError()
        print("store \(directory)")
        for level in statistics.levelFileCounts.indices where statistics.levelFileCounts[level] > 0 {
            print("  level \(level): \(statistics.levelFileCounts[level]) files, \(statistics.levelSizesBytes[level]) bytes")
        }
        print("  live entries: \(entries)")
    }
}
