import Synchronization
import TernEngine

/// Purges expired items in the background: a dedicated thread calls
/// `TableStore.purgeExpired` every `interval`, in chunks of at most `chunkLimit` items (buffered:
/// a purge lost in a crash is simply redone, since expired items are already invisible).
///
/// Thread safety: `stop()` may be called from any thread, once or more.
public final class TimeToLivePurger: Sendable {
    private struct State {
        var isStopping = false
        var lastError: String?
        var purgedTotal = 0
    }

    /// Shared with the thread's closure (a `Mutex` cannot be captured by itself).
    private final class Shared: Sendable {
        let state = Mutex(State())
        var isStopping: Bool { state.withLock { $0.isStopping } }
    }

    private let shared = Shared()
    private let thread = Mutex<BackgroundThread?>(nil)

    /// Starts purging `tables` every `interval`. The purger keeps `tables` alive until `stop()`.
    /// (`TableStore.open` starts one of its own unless told not to; this is for stores opened with
    /// `ttlPurgeInterval: nil` or a different schedule.)
    public convenience init(tables: TableStore, interval: Duration = TableStore.defaultPurgeInterval, chunkLimit: Int = 1000) {
        self.init(interval: interval, chunkLimit: chunkLimit) { limit in
            try tables.purgeExpired(limit: limit, durability: .buffered)
        }
    }

    /// Starts calling `purge(chunkLimit)` every `interval`, again at once while a call purges a
    /// whole chunk; `purge` returns the number purged, or nil when its target is gone (the thread
    /// then ends).
    init(interval: Duration, chunkLimit: Int, purge: @escaping @Sendable (Int) throws -> Int?) {
        let worker = BackgroundThread { [shared] in
            while !shared.isStopping {
                do {
                    var purged = 0
                    repeat {
                        guard let count = try purge(chunkLimit) else { return }
                        purged = count
                        shared.state.withLock { $0.purgedTotal += purged }
                    } while purged == chunkLimit && !shared.isStopping
                } catch {
                    shared.state.withLock { $0.lastError = "\(error)" }
                }
                TimeToLivePurger.sleep(interval, unless: shared)
            }
        }
        thread.withLock { $0 = worker }
    }

    /// Items purged since the purger started.
    public var purgedTotal: Int { shared.state.withLock { $0.purgedTotal } }

    /// The last purge failure, if any (the purger keeps trying at the next interval).
    public var lastError: String? { shared.state.withLock { $0.lastError } }

    /// Stops the thread and waits for it (at most one purge chunk or 50 ms of sleep).
    public func stop() {
        shared.state.withLock { $0.isStopping = true }
        thread.withLock { $0.take() }?.join()
    }

    deinit { stop() }

    /// Sleeps for `interval` in 50 ms steps, returning early once stopping.
    private static func sleep(_ interval: Duration, unless shared: Shared) {
        let deadline = ContinuousClock.now + interval
        while ContinuousClock.now < deadline && !shared.isStopping {
            Platform.sleep(microseconds: 50_000)
        }
    }
}
