/// The db_bench workloads tern-bench knows.
enum WorkloadKind: String, CaseIterable, Codable, Sendable {
    /// `num` puts in ascending key order, into a new database.
    case fillseq
    /// `num` puts of a random permutation of the keys (every key exists afterwards), new database.
    case fillrandom
    /// `num` puts of uniformly random existing keys.
    case overwrite
    /// `num` gets of uniformly random existing keys: every one must be found.
    case readrandom
    /// `num` gets of absent keys (an existing key plus a '.' suffix, so it sorts between two
    /// existing keys and only the Bloom filter or a block search can say no).
    case readmissing
    /// `num` times: a new cursor seeks to a random existing key and reads 10 more entries.
    case seekrandom
    /// One pass over the whole key space in order (split into contiguous ranges per thread).
    case readseq
    /// `num / 100` synced puts of a random permutation, into a new database.
    case fillsync

    /// Whether the workload starts from an empty database.
    var startsFresh: Bool { self == .fillseq || self == .fillrandom || self == .fillsync }

    /// Whether the workload writes (write amplification is reported for these).
    var writes: Bool { startsFresh || self == .overwrite }

    /// Whether it needs a database holding every key first.
    var needsFilledDatabase: Bool { !startsFresh }

    /// The operations of one run for `num` keys. fillsync uses `num / 100` (db_bench divides by
    /// 1000; at 1 M keys that is 1000 syncs, too few for a stable p99.9).
    func operationCount(num: Int) -> Int {
        self == .fillsync ? max(num / 100, 1) : num
    }
}

/// One entry of `--benchmarks`: a workload and, with the `name@N` form, its own thread count.
struct WorkloadSpec: Sendable, Codable, CustomStringConvertible {
    var kind: WorkloadKind
    var threads: Int

    var description: String { threads == 1 ? kind.rawValue : "\(kind.rawValue)@\(threads)" }

    /// Parses `name` or `name@threads`; `defaultThreads` applies to the plain form.
    static func parse(_ text: Substring, defaultThreads: Int) throws -> WorkloadSpec {
        let parts = text.split(separator: "@", maxSplits: 1)
        guard let kind = WorkloadKind(rawValue: String(parts[0])) else {
            let known = WorkloadKind.allCases.map(\.rawValue).joined(separator: ",")
            throw BenchError("unknown benchmark '\(parts[0])' (known: \(known))")
        }
        var threads = defaultThreads
        if parts.count == 2 {
            guard let count = Int(parts[1]), count >= 1, count <= 256 else {
                throw BenchError("bad thread count in '\(text)'")
            }
            threads = count
        }
        return WorkloadSpec(kind: kind, threads: threads)
    }
}

/// SplitMix64: small, fast, seeded; one per thread.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (multiply-high: no division, bias below 2^-32 for our bounds).
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}

/// Writes db_bench keys: the decimal index, zero-padded on the left to `size` bytes (the low
/// digits are kept if the number is longer).
@inline(__always)
func formatKey(_ index: Int, into buffer: UnsafeMutableRawBufferPointer, size: Int) {
    var remaining = index
    var position = size - 1
    while position >= 0 {
        buffer[position] = UInt8(truncatingIfNeeded: 48 + remaining % 10)
        remaining /= 10
        position -= 1
    }
}

/// db_bench's RandomGenerator idea: a 1 MiB pool of 100-byte pieces, each made of
/// `ratio * 100` random printable bytes repeated to fill the piece, so values compress to
/// about `ratio`. Values are consecutive slices of the pool. Immutable once built.
final class ValuePool: Sendable {
    let bytes: [UInt8]
    let valueSize: Int

    init(valueSize: Int, compressionRatio: Double, seed: UInt64) {
        precondition(valueSize >= 1 && valueSize <= 1 << 20, "value size must be 1 byte ... 1 MiB")
        var random = SplitMix64(seed: seed)
        let pieceSize = 100
        let randomPrefix = max(1, Int((Double(pieceSize) * compressionRatio).rounded()))
        var pool: [UInt8] = []
        pool.reserveCapacity(max(1 << 20, valueSize) + pieceSize)
        while pool.count < max(1 << 20, valueSize) {
            let piece = (0..<randomPrefix).map { _ in UInt8(32 + random.below(95)) }
            for index in 0..<pieceSize { pool.append(piece[index % randomPrefix]) }
        }
        bytes = pool
        self.valueSize = valueSize
    }

    /// The value for the `n`th write of a thread: a slice starting at a position that moves on
    /// by `valueSize` (wrapping), as db_bench's generator does.
    @inline(__always)
    func valueOffset(_ n: Int) -> Int {
        (n &* valueSize) % (bytes.count - valueSize)
    }
}

/// A seeded permutation of `0..<count` (Fisher–Yates): fillrandom and fillsync write each key
/// exactly once.
func randomPermutation(count: Int, seed: UInt64) -> [Int32] {
    var order = (0..<count).map { Int32($0) }
    var random = SplitMix64(seed: seed)
    var index = count - 1
    while index > 0 {
        order.swapAt(index, random.below(index + 1))
        index -= 1
    }
    return order
}
