import CTernSupport

/// A dedicated OS thread for flushes and compactions (and the table layer's TTL purger): they
/// block on I/O for long stretches and must not occupy Swift's cooperative pool.
///
/// Thread safety: `join()` is called once, by the owner.
package final class BackgroundThread: @unchecked Sendable {
    private let thread: PlatformThread

    /// Starts a thread running `body`. Call `join()` before the thread's owner goes away.
    ///
    /// - Parameter niceness: added to the thread's nice value (Linux schedules threads
    ///   individually): background work at a higher niceness yields the cores to foreground
    ///   reads and writes, which keeps their tail latency down on a small machine. 0 leaves it.
    package init(niceness: Int32 = 0, _ body: @escaping @Sendable () -> Void) {
        thread = PlatformThread.start {
            if niceness != 0 {
                // Best effort: raising niceness needs no privilege; a failure just keeps 0.
                _ = tern_increase_thread_niceness(niceness)
            }
            body()
        }
    }

    /// Waits for the thread's body to return. Called on the thread itself (its owner was released
    /// there), it detaches the thread instead: the body returns on its own, and waiting for it
    /// would wait forever.
    package func join() {
        if thread.isCurrent {
            thread.detach()
        } else {
            thread.join()
        }
    }
}
