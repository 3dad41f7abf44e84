/// The 32-bit hash of the SSTable Bloom filter: MurmurHash3 x86_32 (Austin Appleby's public
/// domain algorithm) with seed `BloomHash.seed`. Part of the file format: changing it, or the
/// seed, bumps `SSTableFormat.version`. Test vectors are in `docs/formats/sstable.md`.
@_spi(Benchmarks) public enum BloomHash {
    /// The seed: the ASCII bytes `TERN` read big-endian.
    static let seed: UInt32 = 0x5445_524E

    /// The filter hash of a user key.
    @_spi(Benchmarks) public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        murmur3(bytes, seed: seed)
    }

    /// MurmurHash3 x86_32 of `bytes`.
    static func murmur3(_ bytes: UnsafeRawBufferPointer, seed: UInt32) -> UInt32 {
        let c1: UInt32 = 0xCC9E_2D51
        let c2: UInt32 = 0x1B87_3593
        let count = bytes.count
        var hash = seed
        var offset = 0
        // Body: little-endian 4-byte words.
        while offset + 4 <= count {
            var word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            word &*= c1
            word = (word << 15) | (word >> 17)
            word &*= c2
            hash ^= word
            hash = (hash << 13) | (hash >> 19)
            hash = hash &* 5 &+ 0xE654_6B64
            offset += 4
        }
        // Tail: the last 1 to 3 bytes, lowest byte first.
        var tail: UInt32 = 0
        let remaining = count - offset
        if remaining == 3 { tail ^= UInt32(bytes[offset + 2]) << 16 }
        if remaining >= 2 { tail ^= UInt32(bytes[offset + 1]) << 8 }
        if remaining >= 1 {
            tail ^= UInt32(bytes[offset])
            tail &*= c1
            tail = (tail << 15) | (tail >> 17)
            tail &*= c2
            hash ^= tail
        }
        // Finalization mix.
        hash ^= UInt32(truncatingIfNeeded: count)
        hash ^= hash >> 16
        hash &*= 0x85EB_CA6B
        hash ^= hash >> 13
        hash &*= 0xC2B2_AE35
        hash ^= hash >> 16
        return hash
    }

    /// The hash of a byte array (tests and tools).
    static func hash(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { hash($0) }
    }
}

/// One Bloom filter over the user keys of a whole SSTable.
///
/// Encoding: `byte[n] bits, byte k` where bit `i` is `bits[i / 8] >> (i % 8) & 1` and the bit
/// count is `8 * n` (at least 64). A key sets (and a probe tests) the `k` bits
/// `(h + j * delta) mod bitCount` for `j` in `0..<k` (32-bit wrapping arithmetic), where
/// `h = BloomHash.hash(userKey)` and `delta = (h rotated right by 17) | 1` (double hashing: one
/// hash computation per key; an odd step visits `k` distinct bits whenever the bit count is a
/// power of two, as in the 64-bit filters of tiny tables).
///
/// Thread safety: immutable; `Sendable`.
@_spi(Benchmarks) public struct BloomFilter: Sendable {
    /// The encoded filter: bit array then `k`.
    let encoded: [UInt8]
    private let bitCount: Int
    private let probeCount: Int

    /// The fewest bits a filter has, so tiny tables still get a useful false-positive rate.
    static let minimumBitCount = 64
    static let maximumProbeCount = 30

    /// Probes per key for `bitsPerKey` bits per key: `round(bitsPerKey * ln 2)`, clamped to 1...30
    /// (the false-positive optimum).
    static func probeCount(bitsPerKey: Int) -> Int {
        let ideal = (Double(bitsPerKey) * 0.693_147_180_559_945_3).rounded()
        return min(max(Int(ideal), 1), maximumProbeCount)
    }

    /// Encodes a filter for keys with the given hashes.
    @_spi(Benchmarks) public static func encode(hashes: [UInt32], bitsPerKey: Int) -> [UInt8] {
        precondition(bitsPerKey >= 1, "a filter needs at least one bit per key")
        let probes = probeCount(bitsPerKey: bitsPerKey)
        let byteCount = (max(hashes.count * bitsPerKey, minimumBitCount) + 7) / 8
        let bits = byteCount * 8
        precondition(bits <= Int(UInt32.max), "filter over 2^32 bits")
        var encoded = [UInt8](repeating: 0, count: byteCount + 1)
        encoded[byteCount] = UInt8(probes)
        encoded.withUnsafeMutableBufferPointer { array in
            for hash in hashes {
                var position = hash
                let delta = ((hash >> 17) | (hash << 15)) | 1
                for _ in 0..<probes {
                    let bit = Int(position) % bits
                    array[bit >> 3] |= UInt8(1) << UInt8(bit & 7)
                    position &+= delta
                }
            }
        }
        return encoded
    }

    /// Decodes an encoded filter. Throws `.corruption` (without a file name) when it has no bit
    /// array or `k` is outside 1...30.
    @_spi(Benchmarks) public init(encoded: [UInt8]) throws {
        guard encoded.count >= 2 else {
            throw TernError.corruption("filter block of \(encoded.count) bytes is too short", file: nil, offset: nil)
        }
        let probes = Int(encoded[encoded.count - 1])
        guard probes >= 1 && probes <= BloomFilter.maximumProbeCount else {
            throw TernError.corruption("filter probe count \(probes) is outside 1...30", file: nil, offset: nil)
        }
        self.encoded = encoded
        self.bitCount = (encoded.count - 1) * 8
        self.probeCount = probes
    }

    /// Whether `userKey` may have been added: `false` means certainly not.
    @_spi(Benchmarks) public func mayContain(_ userKey: UnsafeRawBufferPointer) -> Bool {
        mayContain(hash: BloomHash.hash(userKey))
    }

    /// Whether a key with this filter hash may have been added.
    func mayContain(hash: UInt32) -> Bool {
        let bits = bitCount
        let probes = probeCount
        return encoded.withUnsafeBytes { raw in
            var position = hash
            let delta = ((hash >> 17) | (hash << 15)) | 1
            for _ in 0..<probes {
                let bit = Int(position) % bits
                if raw[bit >> 3] & (UInt8(1) << UInt8(bit & 7)) == 0 { return false }
                position &+= delta
            }
            return true
        }
    }
}
