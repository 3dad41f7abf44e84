#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: a small, fast, deterministic generator for seeded property tests.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for the test `name`: seeded from `TERN_SEED` when set (to replay a failure),
    /// else from `defaultSeed`. Prints the seed so any failure can be replayed.
    static func forTest(_ name: String, defaultSeed: UInt64) -> SeededRandom {
        var seed = defaultSeed
        if let text = getenv("TERN_SEED").map({ String(cString: $0) }), let value = UInt64(text) {
            seed = value
        }
        print("[\(name)] seed \(seed) (replay with TERN_SEED=\(seed))")
        return SeededRandom(seed: seed)
    }
}
