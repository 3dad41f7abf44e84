import Glibc

/// A queue between NIO's event loops and a link's dedicated thread: event loops `post`, the
/// thread `wait`s with a timeout. `Synchronization.Mutex` has no condition variable, hence
/// pthreads.
///
/// Thread safety: this is the lock; the pthread objects live at stable heap addresses.
final class Mailbox<Element>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    private let condition: UnsafeMutablePointer<pthread_cond_t> = .allocate(capacity: 1)
    /// Guarded by `mutex`.
    private var items: [Element] = []
    private var woken = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func post(_ item: Element) {
        pthread_mutex_lock(mutex)
        items.append(item)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    func post(contentsOf newItems: [Element]) {
        guard !newItems.isEmpty else { return }
        pthread_mutex_lock(mutex)
        items.append(contentsOf: newItems)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes the waiter without an item (to stop, or to look at something else).
    func wake() {
        pthread_mutex_lock(mutex)
        woken = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Everything posted, waiting up to `timeout` for something (or a `wake`) when empty.
    func take(waitingUpTo timeout: Duration) -> [Element] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if items.isEmpty && !woken {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanoseconds = Int(deadline.tv_nsec) + Int(timeout.components.seconds) * 1_000_000_000
                + Int(timeout.components.attoseconds / 1_000_000_000)
            deadline.tv_sec += nanoseconds / 1_000_000_000
            deadline.tv_nsec = nanoseconds % 1_000_000_000
            while items.isEmpty && !woken {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            }
        }
        woken = false
        defer { items.removeAll(keepingCapacity: true) }
        return items
    }
}
