import Synchronization

/// Per-second measurements of a run, per series (a region, a link): latencies, counts, errors
/// and free-form values (replication lag samples, conflicts). The report draws its charts from it.
///
/// Thread safety: one `Mutex`; recording is a dictionary append, cheap beside a request.
final class Timeline: Sendable {
    struct Second: Sendable {
        var latenciesMicroseconds: [UInt64] = []
        var errors = 0
        var samples: [UInt64] = []
        var count = 0
    }

    /// The run's start, on the monotonic clock.
    let start: ContinuousClock.Instant
    private let seconds = Mutex<[String: [Int: Second]]>([:])
    /// Marked spans (a partition) and events (conflicting writes, the "oops"), by second.
    private let marks = Mutex<[(name: String, from: Double, to: Double?)]>([])

    init(start: ContinuousClock.Instant = .now) {
        self.start = start
    }

    /// Seconds since the start, as a fraction.
    func elapsed(_ instant: ContinuousClock.Instant = .now) -> Double {
        let duration = instant - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func bucket(_ instant: ContinuousClock.Instant) -> Int { max(0, Int(elapsed(instant))) }

    /// A request of `series` that took `latency` (and failed when `failed`).
    func record(_ series: String, latencyMicroseconds: UInt64, failed: Bool = false, at instant: ContinuousClock.Instant = .now) {
        let second = bucket(instant)
        seconds.withLock { all in
            all[series, default: [:]][second, default: Second()].latenciesMicroseconds.append(latencyMicroseconds)
            all[series, default: [:]][second, default: Second()].count += 1
            if failed { all[series, default: [:]][second, default: Second()].errors += 1 }
        }
    }

    /// A value of `series` (a lag, a counter's increase) in the current second.
    func sample(_ series: String, _ value: UInt64, at instant: ContinuousClock.Instant = .now) {
        let second = bucket(instant)
        seconds.withLock { $0[series, default: [:]][second, default: Second()].samples.append(value) }
    }

    func mark(_ name: String, from: Double, to: Double?) {
        marks.withLock { $0.append((name, from, to)) }
    }

    var allMarks: [(name: String, from: Double, to: Double?)] { marks.withLock { $0 } }

    /// Every series' seconds, in order.
    func series(_ name: String) -> [(second: Int, value: Second)] {
        seconds.withLock { ($0[name] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    var seriesNames: [String] { seconds.withLock { Array($0.keys).sorted() } }
}

/// The value at `fraction` (0...1) of `values` (nearest rank); 0 for none.
func percentile(_ values: [UInt64], _ fraction: Double) -> UInt64 {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}
