import CTernSupport

/// A small pool of dedicated OS threads that runs blocking engine work for async callers.
///
/// Why it exists: the engine blocks. A read may wait for the disk, a write may stall behind a
/// flush, a synced write waits for `fdatasync`. Swift's cooperative pool has about one thread per
/// core; every one of them parked in the engine is a core's worth of unrelated tasks that cannot
/// run. The async faces of `Store` and `TableStore` therefore hand each blocking call to one of
/// these threads and suspend the calling task until it returns, so the cooperative pool never
/// blocks.
///
/// Synced writes do not hold a pool thread while they wait for durability: their batch is
/// written on a pool thread, and the task then waits (suspended, on no thread) for a WAL sync
/// that one pool thread runs for every waiting writer at once (see `Store.writeThenSync`). So a
/// few threads serve any number of concurrent synced writers, and they share `fdatasync`s.
///
/// Threads start on first use. `shared` lives for the whole process; a pool you create stops its
/// threads when released (after the jobs already queued have run).
///
/// Thread safety: every method may be called from any thread or task.
public final class BlockingThreadPool: Sendable {
    /// The process-wide pool the async API uses unless `StoreOptions.threadPool` names another:
    /// `defaultThreadCount` threads.
    public static let shared = BlockingThreadPool(threadCount: defaultThreadCount, name: "tern-pool")

    /// Four threads, or one per processor when there are more: reads that miss the cache wait
    /// for the disk, so a pool slightly wider than the cores keeps them busy; synced writes do
    /// not need more (they wait for their sync on no thread).
    public static var defaultThreadCount: Int { max(4, Int(tern_online_processor_count())) }

    /// How many threads the pool runs.
    public let threadCount: Int
    private let queue: WorkQueue

    /// A pool of `threadCount` threads named `name-<n>` (visible in debuggers and `top -H`).
    ///
    /// - Precondition: `threadCount >= 1`.
    public init(threadCount: Int, name: String = "tern-pool") {
        precondition(threadCount >= 1, "a thread pool needs at least one thread")
        self.threadCount = threadCount
        queue = WorkQueue(threadCount: threadCount, name: name)
    }

    deinit { queue.shutDown() }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// A task cancelled before `body` is handed over gets `CancellationError` and `body` never
    /// runs; once it runs, it runs to the end (engine calls are not interruptible, and a write
    /// half-abandoned would leave the caller unsure whether it happened).
    ///
    /// - Throws: what `body` throws; `CancellationError`.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await withUnsafeThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Queues `job` for a pool thread. `job` must not block for long without reason: every
    /// thread it holds is one fewer for other callers.
    package func submit(_ job: @escaping @Sendable () -> Void) {
        queue.submit(job)
    }

    /// Whether the calling thread is one of this pool's.
    package var isCurrentThreadInPool: Bool {
        tern_current_thread_tag() == UnsafeRawPointer(Unmanaged.passUnretained(queue).toOpaque())
    }
}

/// The jobs and threads of a `BlockingThreadPool`. The threads hold this object, not the pool,
/// so releasing the pool can stop them.
///
/// Thread safety: `jobs`, `head`, `threads` and `isShuttingDown` are guarded by `lock`.
private final class WorkQueue: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private let jobAvailable: Condition
    private let threadCount: Int
    private let name: String
    private var jobs: [Job?] = []
    /// Index of the oldest queued job in `jobs` (the array is compacted now and then).
    private var head = 0
    private var threads: [BackgroundThread] = []
    private var isShuttingDown = false

    init(threadCount: Int, name: String) {
        self.threadCount = threadCount
        self.name = name
        jobAvailable = Condition(lock)
    }

    func submit(_ job: @escaping Job) {
        lock.lock()
        defer { lock.unlock() }
        precondition(!isShuttingDown, "a job submitted to a released thread pool")
        if threads.isEmpty { startThreads() }
        jobs.append(job)
        jobAvailable.signal()
    }

    /// REQUIRES: `lock` held.
    private func startThreads() {
        for number in 1...threadCount {
            let threadName = "\(name)-\(number)"
            threads.append(BackgroundThread { [self] in
                tern_set_current_thread_name(threadName)
                tern_set_current_thread_tag(UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()))
                while let job = nextJob() { job() }
            })
        }
    }

    /// The next job, waiting for one; nil once shutting down with nothing left to run.
    private func nextJob() -> Job? {
        lock.lock()
        defer { lock.unlock() }
        while head == jobs.count {
            if isShuttingDown { return nil }
            jobAvailable.wait()
        }
        let job = jobs[head].take()
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Lets the threads finish the queued jobs, then waits for them to end.
    func shutDown() {
        let running: [BackgroundThread] = lock.withLock {
            isShuttingDown = true
            jobAvailable.broadcast()
            defer { threads.removeAll() }
            return threads
        }
        for thread in running { thread.join() }
    }
}
