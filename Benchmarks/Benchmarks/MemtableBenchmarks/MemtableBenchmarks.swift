// Micro-benchmarks of the memtable (arena skiplist) and of internal-key comparison. Run with
// `swift package benchmark --target MemtableBenchmarks` from Benchmarks/. Metrics marked `*`
// in the output are per inner operation (scalingFactor).

import Benchmark
@_spi(Benchmarks) import TernEngine

/// A 16-byte zero-padded decimal key.
func decimalKey(_ index: Int) -> [UInt8] {
    var key = [UInt8](repeating: 48, count: 16)
    var remaining = index
    for position in stride(from: 15, through: 0, by: -1) {
        key[position] = UInt8(48 + remaining % 10)
        remaining /= 10
    }
    return key
}

/// A seeded permutation of `0..<count`.
func shuffledIndices(_ count: Int, seed: UInt64) -> [Int] {
    var state = seed
    var indices = Array(0..<count)
    for index in stride(from: count - 1, to: 0, by: -1) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        indices.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
    }
    return indices
}

let benchmarks: @Sendable () -> Void = {
    let keyCount = 100_000
    let keys = (0..<keyCount).map { decimalKey($0) }
    let order = shuffledIndices(keyCount, seed: 42)
    let value = [UInt8](repeating: 0x61, count: 100)

    // One measured iteration fills a new memtable with 100 K random keys (about 15 MiB of arena,
    // the size a 16 MiB memtable reaches before it is flushed); scaled: per insert.
    Benchmark(
        "Memtable insert (random 16-byte keys, 100-byte values, into 0...100 K entries)",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .one,
                             maxDuration: .seconds(2), maxIterations: 20)
    ) { benchmark in
        let memtable = Memtable()
        benchmark.startMeasurement()
        value.withUnsafeBytes { value in
            for (sequence, index) in order.enumerated() {
                keys[index].withUnsafeBytes {
                    memtable.add(sequence: SequenceNumber(UInt64(sequence + 1)), kind: .value, key: $0, value: value)
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(memtable)
    }

    Benchmark(
        "Memtable get (hit, 100 K entries)",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
                             maxDuration: .seconds(1))
    ) { benchmark in
        let memtable = Memtable()
        value.withUnsafeBytes { value in
            for (sequence, index) in order.enumerated() {
                keys[index].withUnsafeBytes {
                    memtable.add(sequence: SequenceNumber(UInt64(sequence + 1)), kind: .value, key: $0, value: value)
                }
            }
        }
        let snapshot = SequenceNumber(UInt64(keyCount))
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            let result = keys[order[(iteration &* 7919) % keyCount]].withUnsafeBytes {
                memtable.get(userKey: $0, snapshot: snapshot)
            }
            blackHole(result)
        }
    }

    // Internal keys that share their first 12 bytes (as neighbouring decimal keys do), half of
    // the pairs equal in user key so the trailer decides. Laid out in one flat buffer so the loop
    // measures the comparison, not array access.
    let flatKeys = (0..<1024).flatMap {
        InternalKey.encode(decimalKey(5_000_000 + $0 / 2), SequenceNumber(UInt64($0 + 1)), .value)
    }
    Benchmark(
        "InternalKey.compare (24-byte internal keys)",
        configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .mega, maxDuration: .seconds(1))
    ) { benchmark in
        var total = 0
        flatKeys.withUnsafeBytes { keys in
            for iteration in benchmark.scaledIterations {
                let a = (iteration & 1023) * 24
                let b = ((iteration &+ 1) & 1023) * 24
                total &+= InternalKey.compare(
                    UnsafeRawBufferPointer(rebasing: keys[a..<(a + 24)]),
                    UnsafeRawBufferPointer(rebasing: keys[b..<(b + 24)]))
            }
        }
        blackHole(total)
    }
}
