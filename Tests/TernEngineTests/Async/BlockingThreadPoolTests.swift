import Synchronization
import Testing
import TernTesting
@testable import TernEngine

@Suite struct BlockingThreadPoolTests {
    @Test func runsTheBodyOnAPoolThread() async throws {
        let pool = BlockingThreadPool(threadCount: 2, name: "test-pool")
        #expect(!pool.isCurrentThreadInPool)
        #expect(try await pool.run { pool.isCurrentThreadInPool })
        #expect(try await pool.run { 6 * 7 } == 42)
    }

    @Test func errorsOfTheBodyReachTheCaller() async {
        let pool = BlockingThreadPool(threadCount: 1)
        await #expect(throws: TernError.self) {
            try await pool.run { throw TernError(.ioError, "boom") }
        }
    }

    /// More blocking jobs than the machine has cores, all waiting for a flag that only an
    /// ordinary task sets: they finish only if blocking work stays off the cooperative pool.
    /// (The timeout is long because other suites' synchronous tests occupy the cooperative
    /// pool for seconds at a time; a pool that blocked it would make the jobs wait it out.)
    @Test func blockingJobsLeaveTheCooperativePoolFree() async throws {
        let jobs = 8
        let pool = BlockingThreadPool(threadCount: jobs)
        let shared = Shared()
        let sawFlag = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    try await pool.run {
                        shared.count.add(1, ordering: .relaxed)
                        return waitUntil(timeout: .seconds(120)) { shared.flag.load(ordering: .acquiring) }
                    }
                }
            }
            group.addTask {
                // Runs on the cooperative pool while the jobs block their threads.
                while shared.count.load(ordering: .relaxed) < jobs { await Task.yield() }
                shared.flag.store(true, ordering: .releasing)
                return true
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(sawFlag)
    }

    @Test func aTaskCancelledBeforehandDoesNotRunTheBody() async {
        let pool = BlockingThreadPool(threadCount: 1)
        let shared = Shared()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await pool.run { shared.flag.store(true, ordering: .relaxed) }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        let didRun = shared.flag.load(ordering: .relaxed)
        #expect(!didRun)
    }

    @Test func manyJobsAllRun() async throws {
        let pool = BlockingThreadPool(threadCount: 3)
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<2000 { group.addTask { try await pool.run { index } } }
            return try await group.reduce(0, +)
        }
        #expect(total == 2000 * 1999 / 2)
    }
}

/// Atomics shared with concurrently running closures.
final class Shared: Sendable {
    let flag = Atomic<Bool>(false)
    let count = Atomic<Int>(0)
}

@Suite struct SyncCoordinatorTests {
    /// Writers that arrive while a sync runs are served together by the next one; nobody is
    /// resumed by a sync that started before they arrived.
    @Test func waitersDuringASyncShareTheNextOne() throws {
        let coordinator = SyncCoordinator()
        let syncs = Atomic<Int>(0)
        let release = Atomic<Bool>(false)
        let inFirstSync = Atomic<Bool>(false)
        let resumed = Mutex<[String: Int]>([:])
        @Sendable func waiter(_ name: String) -> SyncCoordinator.Waiter {
            { result in
                if case .success = result { resumed.withLock { $0[name] = syncs.load(ordering: .relaxed) } }
            }
        }
        let sync: @Sendable () throws -> Void = {
            let number = syncs.add(1, ordering: .relaxed).newValue
            if number == 1 {
                inFirstSync.store(true, ordering: .releasing)
                _ = waitUntil { release.load(ordering: .acquiring) }
            }
        }
        let first = BackgroundThread { coordinator.waitForSync(waiter("a"), sync: sync) }
        #expect(waitUntil { inFirstSync.load(ordering: .acquiring) })
        // Both arrive while the first sync runs: they must wait for a second one, and share it.
        coordinator.waitForSync(waiter("b"), sync: sync)
        coordinator.waitForSync(waiter("c"), sync: sync)
        #expect(resumed.withLock { $0.isEmpty })
        release.store(true, ordering: .releasing)
        first.join()
        #expect(syncs.load(ordering: .relaxed) == 2)
        #expect(resumed.withLock { $0 } == ["a": 1, "b": 2, "c": 2])
    }

    @Test func aFailedSyncFailsItsWaiters() {
        let coordinator = SyncCoordinator()
        let outcome = Mutex<String?>(nil)
        coordinator.waitForSync({ result in
            if case .failure(let error) = result { outcome.withLock { $0 = "\(error)" } }
        }, sync: { throw TernError(.ioError, "sync failed") })
        #expect(outcome.withLock { $0 } == "ioError: sync failed")
    }
}
