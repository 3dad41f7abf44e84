import Histogram
import Synchronization

/// The inputs every thread of a workload shares (immutable).
struct WorkloadInputs: Sendable {
    var num: Int
    var keySize: Int
    var seed: UInt64
    var values: ValuePool
    /// The permutation fillrandom and fillsync write (built once per process).
    var permutation: [Int32]
}

/// What one thread measured.
struct ThreadOutcome: Sendable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    var operations = 0
    var found = 0
    var notFound = 0
    var wrongLength = 0
    var entries = 0
    var orderViolations = 0
    var startNanoseconds: UInt64 = 0
    var endNanoseconds: UInt64 = 0
    var error: String?
}

/// What a workload measured over all its threads.
struct WorkloadMeasurement {
    var operations = 0
    var seconds = 0.0
    var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    var found = 0
    var notFound = 0
    var wrongLength = 0
    var entries = 0
    var orderViolations = 0
    var errors: [String] = []
}

/// Runs one workload on `threads` pthreads against an open engine. Generic over the engine so
/// that every driver's calls are direct, not through an existential.
enum WorkloadRunner {
    /// The contiguous share `[lower, upper)` of `0..<total` that thread `index` of `count` takes.
    static func share(_ total: Int, thread index: Int, of count: Int) -> Range<Int> {
        let base = total / count
        let extra = total % count
        let lower = index * base + min(index, extra)
        return lower..<(lower + base + (index < extra ? 1 : 0))
    }

    /// `measured: false` marks an unmeasured prefill: its threads run under another function
    /// name, so `--callgrind` (which collects only inside `runMeasuredThread`) leaves it out.
    static func run<E: BenchEngine>(
        _ engine: E, kind: WorkloadKind, threads: Int, inputs: WorkloadInputs, measured: Bool = true
    ) -> WorkloadMeasurement {
        let outcomes = Mutex<[ThreadOutcome]>([])
        let barrier = StartBarrier(count: threads)
        Threads.run(count: threads) { index in
            var outcome = ThreadOutcome()
            var session: E.Session?
            do { session = try engine.makeSession() } catch { outcome.error = "\(error)" }
            barrier.wait()  // every thread arrives, even one whose session failed
            if var session {
                do {
                    if measured {
                        try runMeasuredThread(&session, kind: kind, thread: index, of: threads, inputs: inputs, outcome: &outcome)
                    } else {
                        try runPrefillThread(&session, kind: kind, thread: index, of: threads, inputs: inputs, outcome: &outcome)
                    }
                } catch {
                    outcome.error = "\(error)"
                }
                session.finish()
            }
            outcome.endNanoseconds = max(outcome.endNanoseconds, outcome.startNanoseconds)
            let finished = outcome
            outcomes.withLock { $0.append(finished) }
        }
        return outcomes.withLock { summarize($0) }
    }

    private static func summarize(_ outcomes: [ThreadOutcome]) -> WorkloadMeasurement {
        var result = WorkloadMeasurement()
        let start = outcomes.map(\.startNanoseconds).filter { $0 > 0 }.min() ?? 0
        let end = max(outcomes.map(\.endNanoseconds).max() ?? 0, start)
        result.seconds = Double(end &- start) / 1e9
        for outcome in outcomes {
            result.operations += outcome.operations
            result.found += outcome.found
            result.notFound += outcome.notFound
            result.wrongLength += outcome.wrongLength
            result.entries += outcome.entries
            result.orderViolations += outcome.orderViolations
            result.histogram.add(outcome.histogram)
            if let error = outcome.error { result.errors.append(error) }
        }
        return result
    }

    // MARK: One thread

    /// A measured workload's thread, run inside the C function `tern_bench_measured`, which is
    /// what `--callgrind` collects in; the counts are dumped when it ends (`Callgrind`).
    static func runMeasuredThread<S: BenchSession>(
        _ session: inout S, kind: WorkloadKind, thread: Int, of threads: Int, inputs: WorkloadInputs,
        outcome: inout ThreadOutcome
    ) throws {
        defer { Callgrind.dump() }
        try Callgrind.measured {
            try runThread(&session, kind: kind, thread: thread, of: threads, inputs: inputs, outcome: &outcome)
        }
    }

    /// An unmeasured prefill's thread (not collected by `--callgrind`).
    static func runPrefillThread<S: BenchSession>(
        _ session: inout S, kind: WorkloadKind, thread: Int, of threads: Int, inputs: WorkloadInputs,
        outcome: inout ThreadOutcome
    ) throws {
        try runThread(&session, kind: kind, thread: thread, of: threads, inputs: inputs, outcome: &outcome)
    }

    private static func runThread<S: BenchSession>(
        _ session: inout S, kind: WorkloadKind, thread: Int, of threads: Int, inputs: WorkloadInputs,
        outcome: inout ThreadOutcome
    ) throws {
        let keySize = inputs.keySize
        let keyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize + 1, alignment: 8)
        defer { keyBuffer.deallocate() }
        let key = UnsafeRawBufferPointer(rebasing: keyBuffer[0..<keySize])
        var random = SplitMix64(seed: inputs.seed &+ UInt64(thread) &* 0x1_0000_01B3 &+ UInt64(kind.hashSeed))
        let operations = share(kind.operationCount(num: inputs.num), thread: thread, of: threads)
        let valueSize = inputs.values.valueSize

        try inputs.values.bytes.withUnsafeBytes { pool in
            var last = ProcessMetrics.nowNanoseconds()
            outcome.startNanoseconds = last
            @inline(__always) func tick(_ outcome: inout ThreadOutcome) {
                let now = ProcessMetrics.nowNanoseconds()
                _ = outcome.histogram.record(max(now &- last, 1))
                last = now
                outcome.operations += 1
            }
            switch kind {
            case .fillseq, .fillrandom, .fillsync, .overwrite:
                for (n, operation) in operations.enumerated() {
                    let index: Int
                    switch kind {
                    case .fillseq: index = operation
                    case .overwrite: index = random.below(inputs.num)
                    default: index = Int(inputs.permutation[operation % inputs.permutation.count])
                    }
                    formatKey(index, into: keyBuffer, size: keySize)
                    let offset = inputs.values.valueOffset(n &+ thread &* 7919)
                    let value = UnsafeRawBufferPointer(rebasing: pool[offset..<(offset + valueSize)])
                    try session.put(key, value, sync: kind == .fillsync)
                    tick(&outcome)
                }
            case .readrandom, .readmissing:
                let missing = kind == .readmissing
                let probe = missing ? UnsafeRawBufferPointer(keyBuffer) : key
                if missing { keyBuffer[keySize] = UInt8(ascii: ".") }
                for _ in operations {
                    formatKey(random.below(inputs.num), into: keyBuffer, size: keySize)
                    if let length = try session.get(probe) {
                        outcome.found += 1
                        if length != valueSize { outcome.wrongLength += 1 }
                    } else {
                        outcome.notFound += 1
                    }
                    tick(&outcome)
                }
            case .seekrandom:
                for _ in operations {
                    formatKey(random.below(inputs.num), into: keyBuffer, size: keySize)
                    let (exact, entries) = try session.seek(key, nextCount: 10)
                    if exact { outcome.found += 1 } else { outcome.notFound += 1 }
                    outcome.entries += entries
                    tick(&outcome)
                }
            case .readseq:
                try scanShare(&session, thread: thread, of: threads, inputs: inputs, outcome: &outcome, tick: tick)
            }
            outcome.endNanoseconds = ProcessMetrics.nowNanoseconds()
        }
    }

    /// readseq: thread `thread` scans its contiguous share of the key space; every entry is one
    /// operation (timed from the previous one). Checks that keys ascend strictly.
    private static func scanShare<S: BenchSession>(
        _ session: inout S, thread: Int, of threads: Int, inputs: WorkloadInputs,
        outcome: inout ThreadOutcome, tick: (inout ThreadOutcome) -> Void
    ) throws {
        let keySize = inputs.keySize
        let range = share(inputs.num, thread: thread, of: threads)
        let bounds = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * keySize, alignment: 8)
        defer { bounds.deallocate() }
        let lower = UnsafeMutableRawBufferPointer(rebasing: bounds[0..<keySize])
        let upper = UnsafeMutableRawBufferPointer(rebasing: bounds[keySize...])
        formatKey(range.lowerBound, into: lower, size: keySize)
        formatKey(range.upperBound, into: upper, size: keySize)
        let previous = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        defer { previous.deallocate() }
        var previousLength = -1
        let valueSize = inputs.values.valueSize
        try session.scan(
            lowerBound: thread == 0 ? nil : UnsafeRawBufferPointer(lower),
            upperBound: thread == threads - 1 ? nil : UnsafeRawBufferPointer(upper)
        ) { key, valueLength in
            if previousLength >= 0
                && compareKeys(UnsafeRawBufferPointer(rebasing: previous[0..<previousLength]), key) >= 0 {
                outcome.orderViolations += 1
            }
            previousLength = min(key.count, previous.count)
            previous.copyMemory(from: UnsafeRawBufferPointer(rebasing: key[0..<previousLength]))
            outcome.entries += 1
            outcome.found += 1
            if valueLength != valueSize { outcome.wrongLength += 1 }
            tick(&outcome)
        }
    }
}

extension WorkloadKind {
    /// A per-workload constant mixed into the thread seeds, so workloads draw different keys.
    var hashSeed: Int { WorkloadKind.allCases.firstIndex(of: self)! &* 104_729 }
}
