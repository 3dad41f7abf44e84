/// Reconnection delays: exponential with full jitter (AWS's "Exponential Backoff and Jitter"):
/// attempt `n` waits a uniformly random time in `0 ..< min(cap, base · 2ⁿ)`, so peers that lost
/// a region together do not reconnect in lockstep.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration
    /// Consecutive failures so far.
    public private(set) var attempt = 0

    public init(base: Duration = .milliseconds(50), cap: Duration = .seconds(5)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the next attempt (and counts the failure).
    public mutating func nextDelay(using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = min(cap, base * (1 << min(attempt, 30)))
        attempt += 1
        let microseconds = max(1, ceiling.microseconds)
        return .microseconds(Int64.random(in: 0..<microseconds, using: &random))
    }

    /// A connection succeeded: the next failure starts over.
    public mutating func reset() {
        attempt = 0
    }
}

/// A circuit breaker per peer: after `failureThreshold` consecutive failures the circuit *opens*
/// and no attempt is made for `openDuration`; then it is *half-open*: one attempt, which closes
/// the circuit on success or opens it again on failure. It keeps a node from hammering a peer that
/// is down (backoff alone retries within seconds forever).
public struct CircuitBreaker: Sendable {
    public enum State: Sendable, Hashable, CustomStringConvertible {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen

        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }

        /// 0 closed, 1 half-open, 2 open (the gauge's values).
        public var level: Int {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
    }

    public var failureThreshold: Int
    public var openDuration: Duration
    public private(set) var state = State.closed
    public private(set) var consecutiveFailures = 0

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(10)) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Whether an attempt may be made now (an open circuit turns half-open when its time is up).
    public mutating func allowsAttempt(now: ContinuousClock.Instant) -> Bool {
        if case .open(let until) = state {
            guard now >= until else { return false }
            state = .halfOpen
        }
        return true
    }

    /// When an open circuit allows the next attempt (nil when not open).
    public var reopensAt: ContinuousClock.Instant? {
        if case .open(let until) = state { return until }
        return nil
    }

    public mutating func recordSuccess() {
        consecutiveFailures = 0
        state = .closed
    }

    public mutating func recordFailure(now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        if state == .halfOpen || consecutiveFailures >= failureThreshold {
            state = .open(until: now + openDuration)
        }
    }
}
