/// What a background thread's step found: more work, nothing to do until something changes, or
/// the store is shutting down.
enum BackgroundStep {
    case again
    case idle
    case stop
}

extension Store {
    /// Starts a thread that runs `step` (with `lock` held) over and over, and waits for
    /// `backgroundChanged` whenever a step finds nothing to do.
    ///
    /// The thread holds the store *weakly* and strongly only during a step, so a store the
    /// application releases without `close()` is deinitialized (and its `deinit` closes it,
    /// releasing the directory lock) instead of being kept open by its own threads until the
    /// process ends. The strong reference is dropped after the lock is released: if it was the
    /// last one, `deinit` runs on this thread, and `close()` takes the lock itself. Idle waits
    /// happen without the store, on the lock and condition objects alone; the condition's
    /// generation tells the thread about any signal since its step looked, so none is missed.
    func backgroundThread(niceness: Int32, step: @escaping @Sendable (Store) -> BackgroundStep) -> BackgroundThread {
        let lock = self.lock
        let changed = backgroundChanged
        return BackgroundThread(niceness: niceness) { [weak self] in
            while true {
                let outcome: BackgroundStep
                let seen: UInt64
                do {
                    guard let store = self else { return }
                    (outcome, seen) = withExtendedLifetime(store) {
                        lock.lock()
                        defer { lock.unlock() }
                        return (step(store), changed.generation)
                    }
                }  // `store` is released here at the latest: never held while idle
                switch outcome {
                case .stop: return
                case .again: continue
                case .idle:
                    lock.withLock { changed.wait(untilGenerationPasses: seen) }
                }
            }
        }
    }
}
