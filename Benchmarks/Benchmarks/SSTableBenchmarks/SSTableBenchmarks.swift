// Micro-benchmarks of the SSTable's hot components: block encode and decode, Bloom probes,
// CRC32C and LZ4 on 4 KiB blocks. Run with `swift package benchmark --target SSTableBenchmarks`
// from Benchmarks/. Metrics marked `*` in the output are per inner operation (scalingFactor).
//
// Data: db_bench-like entries, 16-byte decimal user keys (24-byte internal keys) and 100-byte
// values that compress to about half, so one 4 KiB block holds about 30 entries.

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

/// 100-byte pieces of 50 random printable bytes repeated twice: LZ4 gets about 0.5.
func compressibleBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var bytes: [UInt8] = []
    while bytes.count < count {
        let piece = (0..<50).map { _ in UInt8(32 + next() % 95) }
        bytes += piece + piece
    }
    return Array(bytes.prefix(count))
}

/// The internal keys and values of one 4 KiB block (keys ascending).
func blockEntries() -> [(key: [UInt8], value: [UInt8])] {
    let values = compressibleBytes(100 * 64, seed: 7)
    var entries: [(key: [UInt8], value: [UInt8])] = []
    var size = 0
    var index = 0
    while size < 4096 - 160 {
        let key = InternalKey.encode(decimalKey(1_000_000 + index * 3), SequenceNumber(UInt64(index + 1)), .value)
        let value = Array(values[(index % 64) * 100..<(index % 64) * 100 + 100])
        entries.append((key, value))
        size += key.count + value.count + 3
        index += 1
    }
    return entries
}

func encodeBlock(_ entries: [(key: [UInt8], value: [UInt8])], into builder: inout BlockBuilder) {
    builder.reset()
    for entry in entries {
        entry.key.withUnsafeBytes { key in entry.value.withUnsafeBytes { builder.add(key: key, value: $0) } }
    }
    builder.finish()
}

let benchmarks: @Sendable () -> Void = {
    let fast = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(1))
    let perBlock = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(1))

    let entries = blockEntries()
    var builder = BlockBuilder(restartInterval: 16)
    encodeBlock(entries, into: &builder)
    let encodedBlock = builder.contents

    Benchmark("Block encode (4 KiB, \(entries.count) entries, reused builder)", configuration: perBlock) { benchmark in
        var builder = BlockBuilder(restartInterval: 16)
        encodeBlock(entries, into: &builder)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            encodeBlock(entries, into: &builder)
            blackHole(builder.contents.count)
        }
    }

    Benchmark("Block decode (copy into Block + iterate all entries)", configuration: perBlock) { benchmark in
        for _ in benchmark.scaledIterations {
            let block = try Block.make(copying: encodedBlock)
            var iterator = BlockIterator(block: block)
            iterator.seekToFirst()
            var bytes = 0
            while iterator.isValid {
                bytes &+= iterator.key.count &+ iterator.value.count
                iterator.next()
            }
            blackHole(bytes)
        }
    }

    let seekTargets = (0..<1000).map { index in entries[(index &* 7919) % entries.count].key }
    Benchmark("Block seek (binary search over restarts + scan)", configuration: fast) { benchmark in
        let block = try Block.make(copying: encodedBlock)
        var iterator = BlockIterator(block: block)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            seekTargets[index % seekTargets.count].withUnsafeBytes { iterator.seek($0) }
            blackHole(iterator.isValid)
        }
    }

    // A filter of 100 K keys at 10 bits per key (about 122 KiB, larger than L1).
    let filterKeys = (0..<100_000).map { decimalKey($0 * 2) }
    let filterBytes = BloomFilter.encode(
        hashes: filterKeys.map { key in key.withUnsafeBytes { BloomHash.hash($0) } }, bitsPerKey: 10)
    let presentKeys = (0..<1000).map { decimalKey((($0 &* 7919) % 100_000) * 2) }
    let absentKeys = (0..<1000).map { decimalKey((($0 &* 7919) % 100_000) * 2 + 1) }
    for (name, probes) in [("present key", presentKeys), ("absent key", absentKeys)] {
        Benchmark("Bloom probe, \(name) (hash + 7 probes, 100 K-key filter)", configuration: fast) { benchmark in
            let filter = try BloomFilter(encoded: filterBytes)
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(probes[index % probes.count].withUnsafeBytes { filter.mayContain($0) })
            }
        }
    }

    let page = compressibleBytes(4096, seed: 11)
    Benchmark("CRC32C 4 KiB", configuration: fast) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CRC32C.checksum(page))
        }
    }

    let compressed: [UInt8] = {
        var output = [UInt8](repeating: 0, count: LZ4.compressBound(page.count))
        let count = page.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { LZ4.compress(source, into: $0)! }
        }
        return Array(output.prefix(count))
    }()
    Benchmark("LZ4 compress 4 KiB (ratio \(compressed.count * 100 / page.count)%)", configuration: perBlock) { benchmark in
        var output = [UInt8](repeating: 0, count: LZ4.compressBound(page.count))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let count = page.withUnsafeBytes { source in output.withUnsafeMutableBytes { LZ4.compress(source, into: $0) } }
            blackHole(count)
        }
    }

    Benchmark("LZ4 decompress 4 KiB", configuration: perBlock) { benchmark in
        var output = [UInt8](repeating: 0, count: page.count)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let ok = compressed.withUnsafeBytes { source in output.withUnsafeMutableBytes { LZ4.decompress(source, into: $0) } }
            blackHole(ok)
        }
    }
}
