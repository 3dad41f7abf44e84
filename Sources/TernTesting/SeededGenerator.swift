import Glibc

/// A small, fast, reproducible random number generator (xoshiro256**, seeded by SplitMix64) for
/// randomized tests. Every randomized test prints its seed; rerun it with `TERN_SEED=<seed>`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        self.seed = seed
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator seeded from `TERN_SEED` when set, otherwise from the clock; prints the seed
    /// with `label` so a failure can be replayed.
    public static func fromEnvironment(_ label: String) -> SeededGenerator {
        let seed: UInt64
        if let text = getenv("TERN_SEED"), let value = UInt64(String(cString: text)) {
            seed = value
        } else {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            seed = UInt64(now.tv_sec) &* 1_000_000_007 &+ UInt64(now.tv_nsec)
        }
        print("[\(label)] seed \(seed) (rerun with TERN_SEED=\(seed))")
        return SeededGenerator(seed: seed)
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Random bytes of the given length.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
