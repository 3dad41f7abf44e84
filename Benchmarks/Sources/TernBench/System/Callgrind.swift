import CBenchSupport
import Glibc

/// Running a child under `valgrind --tool=callgrind` to count the instructions a workload
/// executes (user space, every thread, collected only inside the measured workload's threads).
/// Instruction counts do not move with the machine's load, unlike seconds: on shared cores they
/// are the before/after measure that can be trusted.
///
/// Each return from `tern_bench_dump` dumps the counts collected since the previous dump into
/// `<out>.<n>` (n = 1, 2, ... in order). The engine comparison dumps at the end of each measured
/// thread (a run of workloads with t₁, t₂, ... threads leaves t₁ dumps for the first workload,
/// then t₂ for the second); the item workloads dump once per workload.
enum Callgrind {
    /// The function whose activations are collected.
    static let toggledFunction = "tern_bench_measured"
    /// The function whose returns dump.
    static let dumpFunction = "tern_bench_dump"

    /// Runs `body` inside `tern_bench_measured`, so `--callgrind` counts it.
    static func measured<R>(_ body: () throws -> R) throws -> R {
        var result: Result<R, any Error>?
        withoutActuallyEscaping({
            result = Result { try body() }
        }) { (call: @escaping () -> Void) in
            var context = call
            withUnsafeMutablePointer(to: &context) { pointer in
                tern_bench_measured({ raw in raw!.assumingMemoryBound(to: (() -> Void).self).pointee() }, pointer)
            }
        }
        return try result!.get()
    }

    /// Dumps the counts collected since the last dump (a no-op outside callgrind).
    static func dump() { tern_bench_dump() }

    /// valgrind's path, or `nil` when it is not installed.
    static func valgrindPath() -> String? {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] where FileTree.exists(directory + "/valgrind") {
            return directory + "/valgrind"
        }
        return nil
    }

    /// A copy of this executable without DWARF (`strip --strip-debug`; its symbol table stays,
    /// so functions keep their names): valgrind 3.19 cannot read the DWARF 5 Swift emits and
    /// gives up on the original. The copy sits beside the original, so the peers' libraries are
    /// found the same way (`.build-peers/` in a parent directory).
    static func strippedExecutable() throws -> String {
        let copy = ProcessMetrics.executablePath() + ".callgrind"
        let status = try Coordinator.run(["strip", "--strip-debug", "-o", copy, ProcessMetrics.executablePath()])
        guard status == 0 else { throw BenchError("strip --strip-debug failed (status \(status)); is binutils installed?") }
        return copy
    }

    /// The arguments that go before the child's own command line.
    static func valgrindArguments(outFile: String) -> [String] {
        ["--tool=callgrind", "--collect-atstart=no", "--toggle-collect=\(toggledFunction)",
         "--dump-after=\(dumpFunction)", "--callgrind-out-file=\(outFile)", "--dump-instr=no",
         "--compress-strings=no", "-q"]
    }

    /// The dump files of one child, in order.
    static func dumps(outFile: String) -> [String] {
        var files: [String] = []
        var index = 1
        while FileTree.exists("\(outFile).\(index)") {
            files.append("\(outFile).\(index)")
            index += 1
        }
        return files
    }

    /// The instructions (Ir) a dump file counted: its `totals:` (or `summary:`) line.
    static func instructions(inDump path: String) -> UInt64? {
        guard let text = ProcessMetrics.readSmallFile(path) else { return nil }
        var summary: UInt64?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).reversed() {
            if line.hasPrefix("totals:") { return UInt64(line.dropFirst(7).split(separator: " ").first ?? "") }
            if line.hasPrefix("summary:") { summary = UInt64(line.dropFirst(8).split(separator: " ").first ?? "") }
        }
        return summary
    }

    /// Removes `outFile` and its dumps.
    static func removeOutputs(outFile: String) {
        for file in dumps(outFile: outFile) + [outFile] { try? FileTree.removeTree(file) }
    }
}
