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

/// A condition variable bound to a `ConditionLock`. Waiting requires holding that lock.
final class Condition: @unchecked Sendable {
    private let lock: ConditionLock
    private let condition: UnsafeMutablePointer<pthread_cond_t>

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
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}
