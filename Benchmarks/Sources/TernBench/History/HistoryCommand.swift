import ArgumentParser
import Glibc
import Synchronization
import TernEngine
import TernRecovery
import TernTables

/// `tern-bench history`: what point-in-time recovery costs and how fast it restores.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench history",
        abstract: "Point-in-time recovery: restore time of a Users store, archive overhead on writes, archive lag.",
        discussion: """
            restore   loads --users synthetic users (OITH Users: geohash index) into a store with a \
                      continuous archive, lets compactions settle, takes a checkpoint, updates \
                      --updates users after it, then restores to the instant before the last \
                      update (checkpoint + replay) into a new directory, --rounds times. Reported: \
                      seconds, MB/s of archive bytes verified and linked or copied, beside this \
                      disk's sequential write speed (256 MiB written and fdatasync'ed here).
            overhead  the same write workload with the archive off and on (archiveInterval 1 s), \
                      alternating, --rounds times each: engine fillrandom (--num puts, 100-byte \
                      values, buffered) and PutItem (--puts items, buffered). Ratio on ÷ off.
            lag       during the archive-on runs: per batch, commit → synced in the archive; \
                      p50/p99/max (goal: p99 ≤ archiveInterval + 100 ms).
            """)

    @Option(name: .customLong("users"), help: "Users in the restore workload.")
    var users = 1_000_000

    @Option(name: .customLong("updates"), help: "Updates after the checkpoint (replayed by the restore).")
    var updates = 20_000

    @Option(name: .customLong("num"), help: "Puts of the engine fillrandom workload.")
    var num = 1_000_000

    @Option(name: .customLong("puts"), help: "Items of the PutItem workload.")
    var puts = 200_000

    @Option(name: .customLong("rounds"), help: "Rounds of each measurement.")
    var rounds = 3

    @Option(name: .customLong("parts"), help: "Comma-separated parts: restore,overhead.")
    var parts = "restore,overhead"

    @Option(name: .customLong("db"), help: "Directory for stores and archives (emptied per run).")
    var root = "/tmp/tern-bench-history"

    func run() throws {
        print("tern-bench history: load average \(formatFixed(ProcessMetrics.loadAverage(), 2))")
        try FileTree.removeTree(root)
        try FileTree.makeDirectories(root)
        let selected = Set(parts.split(separator: ",").map(String.init))
        if selected.contains("restore") { try RestoreBenchmark(command: self).run() }
        if selected.contains("overhead") { try OverheadBenchmark(command: self).run() }
        print("load average at the end \(formatFixed(ProcessMetrics.loadAverage(), 2))")
        try FileTree.removeTree(root)
    }
}

/// Sequential write speed of the disk under `directory`: 256 MiB in 1 MiB writes, then fdatasync.
func sequentialWriteMegabytesPerSecond(_ directory: String) throws -> Double {
    let path = directory + "/seqwrite.tmp"
    let file = try PosixFileSystem().openWritable(path, truncate: true)
    let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
    let start = ContinuousClock.now
    for _ in 0..<256 { try file.append(chunk) }
    try file.sync()
    let elapsed = seconds(ContinuousClock.now - start)
    try file.close()
    unlink(path)
    return 256 * 1.048576 / elapsed
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func percentile(_ values: [UInt64], _ fraction: Double) -> UInt64 {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
}
