import Glibc

/// Runs a body on N operating-system threads (pthreads, not Swift tasks: the engines are
/// synchronous and block in system calls, which must not park the cooperative pool).
enum Threads {
    private final class Job {
        let index: Int
        let body: @Sendable (Int) -> Void
        init(index: Int, body: @escaping @Sendable (Int) -> Void) {
            self.index = index
            self.body = body
        }
    }

    /// Runs `body(i)` for `i` in `0..<count`, each on a thread of its own, and returns when all
    /// have finished. Threads get 8 MiB stacks.
    static func run(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        precondition(count >= 1, "at least one thread")
        var threads: [pthread_t] = []
        for index in 0..<count {
            let job = Unmanaged.passRetained(Job(index: index, body: body)).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, 8 << 20)
            var thread = pthread_t()
            let result = pthread_create(&thread, &attributes, { argument in
                let job = Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue()
                job.body(job.index)
                return nil
            }, job)
            pthread_attr_destroy(&attributes)
            precondition(result == 0, "pthread_create failed: \(result)")
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
    }
}

/// A pthread barrier: every thread waits until `count` have arrived, so per-thread setup
/// (sessions, SQLite connections) is not timed.
///
/// `@unchecked Sendable`: the barrier is a synchronization primitive; its storage is written
/// only by `pthread_barrier_*`, which are thread-safe.
final class StartBarrier: @unchecked Sendable {
    private let barrier: UnsafeMutablePointer<pthread_barrier_t>

    init(count: Int) {
        barrier = .allocate(capacity: 1)
        pthread_barrier_init(barrier, nil, UInt32(count))
    }

    deinit {
        pthread_barrier_destroy(barrier)
        barrier.deallocate()
    }

    func wait() { pthread_barrier_wait(barrier) }
}
