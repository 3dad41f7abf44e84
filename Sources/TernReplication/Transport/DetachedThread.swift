import Glibc

/// Starts an OS thread that nobody joins (a connection's worker: it ends with the connection).
/// Links block on the engine (reads, fsyncs), so they get threads of their own, never Swift's
/// cooperative pool or an event loop.
enum DetachedThread {
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body))
        let result = pthread_create(&thread, nil, { argument in
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "cannot start a replication thread: errno \(result)")
        pthread_detach(thread)
    }
}
