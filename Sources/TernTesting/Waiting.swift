import Glibc

/// Polls `condition` every millisecond until it holds or `timeout` passes, and returns whether it
/// held: for tests that wait on a background thread, so that a thread that never gets there
/// fails the test instead of hanging it. The outcome is checked, not the timing.
public func waitUntil(timeout: Duration = .seconds(20), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(1_000)
    }
    return true
}
