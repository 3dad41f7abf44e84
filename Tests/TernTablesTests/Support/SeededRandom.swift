import Glibc
import TernTesting

/// The table tests' seeded generator: TernTesting's, with a fixed default seed per test.
typealias SeededRandom = SeededGenerator

extension SeededGenerator {
    /// A generator for the test `name`: seeded from `TERN_SEED` when set (to replay a failure),
    /// else from `defaultSeed`. Prints the seed so any failure can be replayed.
    static func forTest(_ name: String, defaultSeed: UInt64) -> SeededGenerator {
        var seed = defaultSeed
        if let text = getenv("TERN_SEED").map({ String(cString: $0) }), let value = UInt64(text) {
            seed = value
        }
        print("[\(name)] seed \(seed) (replay with TERN_SEED=\(seed))")
        return SeededGenerator(seed: seed)
    }
}
