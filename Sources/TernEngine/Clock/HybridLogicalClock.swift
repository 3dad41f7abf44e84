import Synchronization

/// A source of wall-clock time, injectable so tests can step it backwards and forwards.
public protocol PhysicalClock: Sendable {
    /// Microseconds since the Unix epoch, UTC. May jump in either direction.
    func microsecondsSinceEpoch() -> UInt64
}

/// The operating system's real-time clock (`CLOCK_REALTIME`).
public struct SystemClock: PhysicalClock {
    public init() {}

    public func microsecondsSinceEpoch() -> UInt64 {
        Platform.realtimeMicroseconds()
    }
}

/// A hybrid logical clock (Kulkarni et al.): stamps that follow the wall clock when it moves
/// forward, never go back when it steps back, and stay strictly increasing across everything this
/// clock has issued or observed.
///
/// A store stamps every committed batch with it (`StoreOptions.clock`); replication advances it
/// with the stamps it receives (`observe`), so causally later writes get later stamps in every
/// region. Recovery observes the last stamp a store committed, so stamps keep increasing across
/// restarts even when the wall clock is behind.
///
/// Thread safety: one atomic word; `now()` is lock-free.
public final class HybridLogicalClock: Sendable {
    public let physicalClock: any PhysicalClock
    /// The largest stamp issued or observed.
    private let last = Atomic<UInt64>(0)

    public init(physicalClock: any PhysicalClock = SystemClock()) {
        self.physicalClock = physicalClock
    }

    /// A stamp later than every stamp issued or observed before.
    public func now() -> HybridTimestamp {
        reserve(1)
    }

    /// The first of `count` consecutive stamps, all later than every stamp issued or observed
    /// before (a group commit stamps its batches `first`, `first + 1`, ...).
    public func reserve(_ count: Int) -> HybridTimestamp {
        precondition(count >= 1)
        let wall = physicalClock.microsecondsSinceEpoch() << UInt64(HybridTimestamp.logicalBits)
        var previous = last.load(ordering: .relaxed)
        while true {
            let first = Swift.max(previous &+ 1, wall)
            let (exchanged, actual) = last.compareExchange(
                expected: previous, desired: first &+ UInt64(count - 1), ordering: .acquiringAndReleasing)
            if exchanged { return HybridTimestamp(rawValue: first) }
            previous = actual
        }
    }

    /// Advances the clock past `stamp` (found in a store's history, or from a trusted source), so
    /// every later stamp is greater.
    public func observe(_ stamp: HybridTimestamp) {
        var previous = last.load(ordering: .relaxed)
        while previous < stamp.rawValue {
            let (exchanged, actual) = last.compareExchange(
                expected: previous, desired: stamp.rawValue, ordering: .acquiringAndReleasing)
            if exchanged { return }
            previous = actual
        }
    }

    /// Advances the clock past `stamp` received from a peer, unless it is more than
    /// `maxAheadOfWallClock` ahead of this clock's wall time: a peer whose clock runs fast would
    /// otherwise drag every region's stamps along.
    ///
    /// - Throws: `ClockSkewError` when `stamp` is beyond the bound; the clock is unchanged.
    public func receive(_ stamp: HybridTimestamp, maxAheadOfWallClock: Duration) throws(ClockSkewError) {
        let wall = physicalClock.microsecondsSinceEpoch()
        let bound = wall + UInt64(Swift.max(0, microseconds(maxAheadOfWallClock)))
        if stamp.physicalMicroseconds > bound {
            throw ClockSkewError(stamp: stamp, wallMicroseconds: wall, bound: maxAheadOfWallClock)
        }
        observe(stamp)
    }

    /// The largest stamp issued or observed so far.
    public var latest: HybridTimestamp { HybridTimestamp(rawValue: last.load(ordering: .acquiring)) }
}

/// A stamp too far ahead of the local wall clock to accept.
public struct ClockSkewError: Error, Sendable, CustomStringConvertible {
    public var stamp: HybridTimestamp
    public var wallMicroseconds: UInt64
    public var bound: Duration

    public var description: String {
        let ahead = Double(Int64(stamp.physicalMicroseconds) - Int64(wallMicroseconds)) / 1000
        return "stamp \(stamp) is \(ahead) ms ahead of the local clock (the bound is \(bound))"
    }
}
