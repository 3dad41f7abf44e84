import Synchronization
import TernEngine

/// A physical clock that tests set by hand: it moves only when told to, forwards or backwards.
public final class ManualClock: PhysicalClock {
    private let now: Atomic<UInt64>

    public init(microseconds: UInt64 = 1_764_900_000_000_000) {
        now = Atomic(microseconds)
    }

    public func microsecondsSinceEpoch() -> UInt64 { now.load(ordering: .relaxed) }

    /// Sets the time.
    public func set(microseconds: UInt64) { now.store(microseconds, ordering: .relaxed) }

    /// Moves the time by `delta` microseconds (negative: back).
    public func advance(microseconds delta: Int64) {
        let current = now.load(ordering: .relaxed)
        now.store(UInt64(Int64(current) + delta), ordering: .relaxed)
    }
}
