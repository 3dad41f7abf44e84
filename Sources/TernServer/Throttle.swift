import Synchronization
import TernWire

/// Token buckets per table, one for reads and one for writes (`--throttle-*`; off by default).
///
/// A request takes one token per item it touches on each table (a BatchWriteItem of 10 puts to
/// `Users` takes 10 write tokens of `Users`). When a bucket is short the request is refused with
/// `ProvisionedThroughputExceededException` before it does anything, so the SDKs' retry with
/// backoff and jitter applies. Buckets refill continuously at the configured rate and hold at
/// most `burstSeconds` of it.
public final class Throttle: Sendable {
    /// Which of a table's two buckets a request draws on.
    public enum Kind: Sendable { case read, write }

    private struct Bucket {
        var tokens: Double
        var updatedSeconds: Double
    }

    private struct Key: Hashable {
        var table: String
        var isWrite: Bool
    }

    public let configuration: ThrottleConfiguration
    private let buckets = Mutex<[Key: Bucket]>([:])
    private let clock: @Sendable () -> Double

    /// - Parameter clock: seconds on a monotonic clock (injected by tests).
    public init(configuration: ThrottleConfiguration, clock: @escaping @Sendable () -> Double = Throttle.monotonicSeconds) {
        self.configuration = configuration
        self.clock = clock
    }

    private static let anchor = ContinuousClock.now

    /// Seconds since the first call on the continuous (monotonic) clock.
    public static func monotonicSeconds() -> Double {
        let elapsed = anchor.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Takes `count` tokens of `kind` from each table's bucket, all or none.
    ///
    /// - Throws: ProvisionedThroughputExceededException naming the first table that is short.
    public func take(_ demands: [(table: String, count: Int)], kind: Kind) throws(WireError) {
        let rate = kind == .read ? configuration.readsPerSecond : configuration.writesPerSecond
        let capacity = max(1, rate * configuration.burstSeconds)
        let now = clock()
        let short: String? = buckets.withLock { buckets in
            var updated: [(Key, Bucket)] = []
            for demand in demands {
                let key = Key(table: demand.table, isWrite: kind == .write)
                var bucket = buckets[key] ?? Bucket(tokens: capacity, updatedSeconds: now)
                bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updatedSeconds) * rate)
                bucket.updatedSeconds = now
                guard bucket.tokens >= Double(demand.count) else { return demand.table }
                bucket.tokens -= Double(demand.count)
                updated.append((key, bucket))
            }
            for (key, bucket) in updated { buckets[key] = bucket }
            return nil
        }
        if let short {
            throw WireError(
                name: "ProvisionedThroughputExceededException",
                message: "The level of configured provisioned throughput for the table \(short) was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
        }
    }
}
