import Synchronization

/// Group commit for async writers: the WAL syncs that async `.synced` writes wait for, run by one
/// pool thread at a time for every writer waiting.
///
/// A synchronous synced write waits for its sync on its own thread; an async one must not hold a
/// pool thread while it waits, or a pool of four threads would let four writers share a sync at
/// most. So an async synced write is a *buffered* write on a pool thread followed by a wait here:
/// the writer's continuation joins the waiting list, and the pool thread that finds no sync
/// running becomes the syncer. It takes every waiter queued so far, runs one `Store.sync()`
/// (which covers every write acknowledged before it started, so each of theirs), resumes them
/// all, and repeats while writers queued up during the sync. Syncs never overlap, and a writer
/// never waits for more than the sync in progress plus its own.
///
/// Thread safety: the state sits behind a `Mutex`.
final class SyncCoordinator: Sendable {
    typealias Waiter = @Sendable (Result<Void, any Error>) -> Void

    private struct State {
        var waiters: [Waiter] = []
        var isSyncing = false
    }

    private let state = Mutex(State())

    /// Resumes `waiter` once a sync that started after this call has finished (or failed).
    /// Runs the sync rounds on the calling thread when no other thread is running them, so call
    /// it from a thread that may block (a pool thread), never from the cooperative pool.
    func waitForSync(_ waiter: @escaping Waiter, sync: () throws -> Void) {
        let becomesSyncer = state.withLock { state in
            state.waiters.append(waiter)
            guard !state.isSyncing else { return false }
            state.isSyncing = true
            return true
        }
        guard becomesSyncer else { return }
        while true {
            let round: [Waiter] = state.withLock { state in
                if state.waiters.isEmpty { state.isSyncing = false }
                defer { state.waiters.removeAll(keepingCapacity: true) }
                return state.waiters
            }
            if round.isEmpty { return }
            let result = Result { try sync() }
            for waiter in round { waiter(result) }
        }
    }
}
