import Glibc

/// A dedicated OS thread for flushes and compactions (and the table layer's TTL purger): they
/// block on I/O for long stretches and must not occupy Swift's cooperative pool.
///
/// Thread safety: `join()` is called once, by the owner.
public final class BackgroundThread: @unchecked Sendable {
    private var thread = pthread_t()

    /// Starts a thread running `body`. Call `join()` before the thread's owner goes away.
    public init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body))
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "cannot start a background thread: errno \(result)")
    }

    /// Waits for the thread's body to return.
    public func join() {
        pthread_join(thread, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
