// The child process of the crash tests.
//
//     tern-crash-writer <directory> <seed> <first batch index>
//         the kill -9 test: writes the crash workload's batches as `.synced` writes, printing
//         each batch index after its write returns, until it is killed.
//     tern-crash-writer probe <directory>
//         the damage test: opens the store, reads every entry, and prints one line:
//         "ok <count>:<digest>" or "error <code>\t<file>\t<message>".
import Glibc
import TernEngine
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

guard arguments.count == 4, let seed = UInt64(arguments[2]), let first = Int(arguments[3]) else {
    print("usage: tern-crash-writer <directory> <seed> <first batch index> | tern-crash-writer probe <directory>")
    exit(2)
}
var options = StoreOptions()
options.memtableBudgetBytes = 64 << 10  // small, so flushes happen while the parent kills us
let store: Store
do {
    store = try Store.open(at: arguments[1], options: options)
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
