// The child process of the crash tests.
//
//     tern-crash-writer <directory> <seed> <first batch index>
//         the kill -9 test: writes the crash workload's batches as `.synced` writes, printing
//         each batch index after its write returns, until it is killed.
//     tern-crash-writer archive-writer <directory> <archive> <seed> <first batch index>
//         the archive kill test: the same, with a continuous archive shipping every 20 ms.
//     tern-crash-writer probe <directory>
//         the damage test: opens the store, reads every entry, and prints one line:
//         "ok <count>:<digest>" or "error <code>\t<file>\t<message>".
import Glibc
import TernEngine
import TernRecovery
import TernTesting

/// Reports a line straight to file descriptor 1 (no stdio buffer to lose in the kill).
func report(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "probe" {
    do {
        let store = try Store.open(at: arguments[2], options: StoreOptions())
        let digest = StoreDigest(try store.scan())
        try store.close()
        report("ok \(digest)")
    } catch let error as TernError {
        let file = error.file.map { Path.name(of: $0) } ?? "-"
        report("error \(error.code.rawValue)\t\(file)\t\(error.message)")
    } catch {
        report("error other\t-\t\(error)")
    }
    exit(0)
}

let archiving = arguments.count == 6 && arguments[1] == "archive-writer"
let rest = archiving ? Array(arguments.dropFirst(2)) : Array(arguments.dropFirst())
guard rest.count == (archiving ? 4 : 3), let seed = UInt64(rest[rest.count - 2]), let first = Int(rest[rest.count - 1]) else {
    print("usage: tern-crash-writer <directory> <seed> <first batch index> | tern-crash-writer archive-writer <directory> <archive> <seed> <first> | tern-crash-writer probe <directory>")
    exit(2)
}
var options = StoreOptions()
options.memtableBudgetBytes = 64 << 10  // small, so flushes happen while the parent kills us
let store: Store
var archive: ContinuousArchive?
do {
    store = try Store.open(at: rest[0], options: options)
    if archiving {
        var archiveOptions = ArchiveOptions()
        archiveOptions.archiveInterval = .milliseconds(20)
        archiveOptions.segmentBytes = 64 << 10
        archive = try ContinuousArchive.start(store: store, directory: rest[1], options: archiveOptions)
    }
} catch {
    print("open failed: \(error)")
    exit(1)
}

var index = first
while true {
    do {
        try store.write(WriteBatch(CrashWorkload.operations(seed: seed, index: index)), durability: .synced)
    } catch {
        report("write failed: \(error)")
        exit(1)
    }
    report(String(index))
    index += 1
}
