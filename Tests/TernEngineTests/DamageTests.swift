import Glibc
import Testing
import TernTesting
@testable import TernEngine

/// Random damage to one file of a closed store, reopened in a child process (so a trap is caught
/// as a finding, not as the death of the test run). Each trial's outcome must be one of:
/// - exactly the data (the damage hit bytes nothing reads, or nothing that matters);
/// - a clean error naming the damaged file;
/// - for the newest WAL cut short or zeroed from some offset (a torn write looks like that): the
///   store as of the last batch whose record ends before the damage.
/// Never a trap, wrong data, a silent loss, or an error naming another file.
/// `TERN_DAMAGE_TRIALS` sets the number of trials (default 300); `TERN_SEED` replays one run.
@Suite struct DamageTests {
    static var trials: Int {
        getenv("TERN_DAMAGE_TRIALS").flatMap { Int(String(cString: $0)) } ?? 300
    }

    static var probePath: String {
        ChildProcess.siblingExecutable("tern-crash-writer", overriddenBy: "TERN_CRASH_WRITER")
    }

    enum Damage: CaseIterable {
        case bitFlip, byte, zeroedRange, garbledRange, truncation, appendedJunk
    }

    /// The base store: its files, the model after each batch, and where each batch of the newest
    /// WAL ends in it.
    struct Base {
        var files: [String: [UInt8]]
        var digests: [StoreDigest]  // digests[k]: the store after batches 0..<k
        var newestWAL: String
        var walBatchEnds: [(end: Int, batchCount: Int)]  // record end offset, batches through it
    }

    static func makeBase(_ generator: inout SeededGenerator, directory: String) throws -> Base {
        var options = StoreOptions()
        options.memtableBudgetBytes = 24 << 10
        options.level1MaxBytes = 64 << 10
        options.targetFileSizeBytes = 16 << 10
        options.manifestRotationBytes = 8 << 10
        let store = try Store.open(at: directory, options: options)
        var model = KeyValueModel()
        var digests = [StoreDigest(model.scan())]
        var walBatchEnds: [(Int, Int)] = []
        var currentWAL = ""
        let batchCount = 400
        for index in 0..<batchCount {
            var operations: [ModelOperation] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let key = Array("key\(Int.random(in: 0..<1500, using: &generator))".utf8)
                if Int.random(in: 0..<6, using: &generator) == 0 {
                    operations.append(.delete(key))
                } else {
                    // Random bytes (odd, never zero): a value's own zeros cannot pass for a lost page.
                    let value = (0..<Int.random(in: 8...160, using: &generator)).map { _ in UInt8.random(in: 0...127, using: &generator) * 2 + 1 }
                    operations.append(.put(key, value))
                }
            }
            try store.write(WriteBatch(operations), durability: index % 50 == 0 ? .synced : .buffered)
            model.apply(operations)
            digests.append(StoreDigest(model.scan()))
            let wal = try newestWAL(directory)
            if wal != currentWAL {
                currentWAL = wal
                walBatchEnds = []
            }
            walBatchEnds.append((try PosixFileSystem().fileSize(directory + "/" + wal), index + 1))
        }
        store.waitForCompactions()
        try store.close()
        #expect(try newestWAL(directory) == currentWAL, "the close started a new WAL: the test's offsets are stale")
        var files: [String: [UInt8]] = [:]
        for name in try PosixFileSystem().listDirectory(directory) where name != "LOCK" {
            files[name] = try PosixFileSystem().readFile(directory + "/" + name)
        }
        #expect(files.keys.contains { $0.hasSuffix(".sst") } && !walBatchEnds.isEmpty)
        return Base(files: files, digests: digests, newestWAL: currentWAL, walBatchEnds: walBatchEnds)
    }

    static func newestWAL(_ directory: String) throws -> String {
        try PosixFileSystem().listDirectory(directory).filter { $0.hasSuffix(".wal") }.max()!
    }

    /// Applies `damage` to `bytes`; returns the new bytes and the offset where the damage starts.
    static func apply(_ damage: Damage, to bytes: [UInt8], _ generator: inout SeededGenerator) -> ([UInt8], Int) {
        var bytes = bytes
        let count = bytes.count
        guard count > 0 else { return (bytes + [0x5A], 0) }
        let offset = Int.random(in: 0..<count, using: &generator)
        switch damage {
        case .bitFlip:
            bytes[offset] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        case .byte:
            bytes[offset] = UInt8.random(in: 0...255, using: &generator)
        case .zeroedRange:
            let end = min(count, offset + Int.random(in: 1...9000, using: &generator))
            for index in offset..<end { bytes[index] = 0 }
        case .garbledRange:
            let end = min(count, offset + Int.random(in: 1...600, using: &generator))
            for index in offset..<end { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        case .truncation:
            bytes.removeLast(count - offset)
        case .appendedJunk:
            bytes += (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return (bytes, count)
        }
        return (bytes, offset)
    }

    @Test func randomDamageToOneFile() throws {
        var generator = SeededGenerator.fromEnvironment("damage")
        #expect(access(Self.probePath, X_OK) == 0, "child binary missing at \(Self.probePath); run `swift build` first")
        let root = try temporaryDirectory("damage")
        defer { removeTree(root) }
        let base = try Self.makeBase(&generator, directory: root + "/base")
        let names = base.files.keys.sorted()
        var outcomes: [String: Int] = [:]
        for trial in 0..<Self.trials {
            let name = names.randomElement(using: &generator)!
            let damage = Damage.allCases.randomElement(using: &generator)!
            let (damaged, offset) = Self.apply(damage, to: base.files[name]!, &generator)
            let directory = root + "/trial\(trial)"
            try PosixFileSystem().createDirectory(directory)
            for (file, content) in base.files {
                let handle = try PosixFileSystem().openWritable(directory + "/" + file, truncate: true)
                try handle.append(file == name ? damaged : content)
                try handle.close()
            }
            let outcome = try ChildProcess.run(Self.probePath, ["probe", directory])
            let verdict = judge(outcome, base: base, name: name, damage: damage, offset: offset, damaged: damaged)
            outcomes[verdict.kind, default: 0] += 1
            if let failure = verdict.failure {
                Issue.record("trial \(trial): \(damage) of \(name) at \(offset) (size \(base.files[name]!.count) → \(damaged.count)): \(failure)")
            }
            removeTree(directory)
        }
        let summary = outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("[damage] \(Self.trials) trials over \(names.count) files: \(summary)")
    }

    struct Verdict {
        var kind: String
        var failure: String?
    }

    func judge(_ outcome: ChildProcess.Outcome, base: Base, name: String, damage: Damage, offset: Int, damaged: [UInt8]) -> Verdict {
        guard outcome.signal == nil, outcome.exitStatus == 0 else {
            return Verdict(kind: "FAILED", failure: "the child died (signal \(outcome.signal ?? 0), status \(outcome.exitStatus ?? -1)): \(outcome.text)")
        }
        let line = outcome.text.split(separator: "\n").first.map(String.init) ?? ""
        if line.hasPrefix("error ") {
            let fields = line.dropFirst("error ".count).split(separator: "\t", maxSplits: 2).map(String.init)
            guard fields.count == 3, ["corruption", "unsupportedFormat"].contains(fields[0]) else {
                return Verdict(kind: "FAILED", failure: "an unexpected error: \(line)")
            }
            guard fields[1] == name else {
                return Verdict(kind: "FAILED", failure: "the error names \(fields[1]), not the damaged \(name): \(line)")
            }
            return Verdict(kind: "error naming the file", failure: nil)
        }
        guard line.hasPrefix("ok ") else { return Verdict(kind: "FAILED", failure: "unreadable output: \(outcome.text)") }
        let digest = String(line.dropFirst(3))
        if digest == base.digests.last!.description { return Verdict(kind: "exact data", failure: nil) }
        if name == base.newestWAL && (damage == .truncation || damage == .zeroedRange) {
            // A torn write: every batch whose record ends at or before the damage must be there.
            let kept = base.walBatchEnds.last { $0.end <= offset }?.batchCount ?? (base.walBatchEnds[0].batchCount - 1)
            if digest == base.digests[kept].description { return Verdict(kind: "prefix (torn newest WAL)", failure: nil) }
            return Verdict(kind: "FAILED", failure: "not the prefix through batch \(kept): read \(digest)")
        }
        return Verdict(kind: "FAILED", failure: "wrong data or a silent loss: read \(digest), expected \(base.digests.last!)")
    }
}
