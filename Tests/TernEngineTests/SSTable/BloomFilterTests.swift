import Testing
@_spi(Benchmarks) @testable import TernEngine

@Suite struct BloomFilterTests {
    static func key(_ index: Int, _ salt: String) -> [UInt8] { Array("\(salt)-\(index)".utf8) }

    @Test func probeCountFollowsLn2() {
        #expect(BloomFilter.probeCount(bitsPerKey: 10) == 7)
        #expect(BloomFilter.probeCount(bitsPerKey: 1) == 1)
        #expect(BloomFilter.probeCount(bitsPerKey: 2) == 1)
        #expect(BloomFilter.probeCount(bitsPerKey: 3) == 2)
        #expect(BloomFilter.probeCount(bitsPerKey: 16) == 11)
        #expect(BloomFilter.probeCount(bitsPerKey: 100) == 30)
    }

    @Test func encodingIsBitsThenK() throws {
        let encoded = BloomFilter.encode(hashes: [], bitsPerKey: 10)
        #expect(encoded == [0, 0, 0, 0, 0, 0, 0, 0, 7])
        let thousand = BloomFilter.encode(hashes: (0..<1000).map { UInt32($0) &* 2_654_435_761 }, bitsPerKey: 10)
        #expect(thousand.count == 1250 + 1)
        #expect(thousand.last == 7)
        let empty = try BloomFilter(encoded: encoded)
        #expect(!empty.mayContain(hash: 12345))
    }

    @Test func malformedFiltersAreCorruption() {
        for bad: [UInt8] in [[], [7], [0, 0], [0, 31], [0, 255]] {
            #expect(throws: TernError.self) { try BloomFilter(encoded: bad) }
            do {
                _ = try BloomFilter(encoded: bad)
            } catch let error as TernError {
                #expect(error.code == .corruption)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test(arguments: [1, 10, 100, 1000, 10_000])
    func noFalseNegatives(count: Int) throws {
        let keys = (0..<count).map { BloomFilterTests.key($0, "present") }
        let filter = try BloomFilter(encoded: BloomFilter.encode(hashes: keys.map { BloomHash.hash($0) }, bitsPerKey: 10))
        for key in keys {
            #expect(key.withUnsafeBytes { filter.mayContain($0) })
        }
    }

    /// About 1% false positives at 10 bits per key; asserted below 2%.
    @Test func falsePositiveRateIsAboutOnePercent() throws {
        let seed: UInt64 = 0x5EED_B100
        print("BloomFilterTests.falsePositiveRate seed: \(seed)")
        var random = SSTableTestRandom(seed: seed)
        let keys = (0..<10_000).map { _ in random.bytes(16) }
        let filter = try BloomFilter(encoded: BloomFilter.encode(hashes: keys.map { BloomHash.hash($0) }, bitsPerKey: 10))
        let present = Set(keys)
        var falsePositives = 0
        var probes = 0
        while probes < 10_000 {
            let key = random.bytes(16)
            if present.contains(key) { continue }
            probes += 1
            if key.withUnsafeBytes({ filter.mayContain($0) }) { falsePositives += 1 }
        }
        let rate = Double(falsePositives) / Double(probes)
        print("BloomFilterTests.falsePositiveRate: \(falsePositives) of \(probes) = \(rate * 100)%")
        #expect(rate < 0.02)
        #expect(rate > 0.001, "suspiciously low: is the filter testing anything?")
    }

    /// Sequential, highly similar keys (the common case for row keys) behave like random ones.
    @Test func falsePositiveRateOnSequentialKeys() throws {
        let keys = (0..<10_000).map { BloomFilterTests.key($0, "user") }
        let filter = try BloomFilter(encoded: BloomFilter.encode(hashes: keys.map { BloomHash.hash($0) }, bitsPerKey: 10))
        let falsePositives = (10_000..<20_000).filter { index in
            BloomFilterTests.key(index, "user").withUnsafeBytes { filter.mayContain($0) }
        }.count
        print("BloomFilterTests.sequential: \(falsePositives) of 10000")
        #expect(falsePositives < 200)
    }
}
