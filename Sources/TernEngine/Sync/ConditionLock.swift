import Glibc

/// A mutex with condition variables (pthreads), for the store's state and its waiting writers.
/// `Synchronization.Mutex` has no condition variable, and the write path must park threads.
///
/// Thread safety: this *is* the lock; the pthread objects live at stable heap addresses.
final class ConditionLock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A condition variable bound to a `ConditionLock`. Waiting requires holding that lock, and so
/// does signalling (every caller in the store holds it).
///
/// `generation` counts the signals, so a thread that decided to wait and then let go of the lock
/// (the store's background threads drop their reference to the store between steps) can still
/// wait for "any signal since I looked" without missing one.
final class Condition: @unchecked Sendable {
    private let lock: ConditionLock
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Signals and broadcasts so far. Guarded by `lock`.
    private(set) var generation: UInt64 = 0

    init(_ lock: ConditionLock) {
        self.lock = lock
        condition = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// Atomically releases the lock and waits; holds it again on return. Spurious wakeups happen:
    /// callers loop on their predicate.
    func wait() { pthread_cond_wait(condition, lock.mutex) }

    /// Waits until a signal or broadcast after the one numbered `seen` (a `generation` read
    /// earlier under the lock). REQUIRES: `lock` held.
    func wait(untilGenerationPasses seen: UInt64) {
        while generation == seen { pthread_cond_wait(condition, lock.mutex) }
    }

    /// REQUIRES: `lock` held.
    func signal() {
        generation &+= 1
        pthread_cond_signal(condition)
    }

    /// REQUIRES: `lock` held.
    func broadcast() {
        generation &+= 1
        pthread_cond_broadcast(condition)
    }
}
