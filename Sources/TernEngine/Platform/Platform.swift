// Where TernEngine, TernTables and the `tern` tool reach the C library for threads, locks,
// clocks and sleeping; files go through the POSIX file system (`PosixFileSystem.swift`).
// Tern supports Linux (glibc) only, which is what CI builds and tests: a port to another
// platform starts in these two files (see Package.swift).
#if canImport(Glibc)
@preconcurrency import Glibc
#else
#error("Tern supports Linux (glibc) only for now; see Package.swift")
#endif

/// Clocks and sleeping, from the C library.
package enum Platform {
    /// Sleeps the calling thread for `microseconds` (background threads and tests only: never
    /// call it from async code).
    package static func sleep(microseconds: UInt32) {
        usleep(microseconds)
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (`CLOCK_REALTIME`).
    package static func realtimeSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    /// Microseconds since 1970-01-01T00:00:00Z (`CLOCK_REALTIME`); may jump in either direction.
    package static func realtimeMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// Makes `path` the process's working directory (tools only: it changes what every relative
    /// path of the process means). Returns false when it cannot.
    package static func changeDirectory(_ path: String) -> Bool {
        chdir(path) == 0
    }

    /// CPU time the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`).
    package static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }
}

/// An OS thread (pthreads), for work that must not run on Swift's cooperative pool.
///
/// Thread safety: `join()` or `detach()` is called once, by the owner.
package struct PlatformThread: @unchecked Sendable {
    private let handle: pthread_t

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts a thread running `body`.
    ///
    /// - Precondition: the system can start a thread (failing that is not recoverable here).
    package static func start(_ body: @escaping @Sendable () -> Void) -> PlatformThread {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { argument in
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(result == 0, "cannot start a thread: errno \(result)")
        return PlatformThread(handle: handle)
    }

    /// Whether this is the calling thread.
    package var isCurrent: Bool { pthread_equal(handle, pthread_self()) != 0 }

    /// Waits for the thread to end.
    package func join() { pthread_join(handle, nil) }

    /// Lets the thread end on its own, releasing its resources then.
    package func detach() { pthread_detach(handle) }
}

/// A mutex with condition variables (pthreads), for the store's state and its waiting writers.
/// `Synchronization.Mutex` has no condition variable, and the write path must park threads.
///
/// Thread safety: this *is* the lock; the pthread objects live at stable heap addresses.
package final class ConditionLock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }

    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
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
