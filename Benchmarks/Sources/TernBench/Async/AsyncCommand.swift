import ArgumentParser
import Glibc
import OITHExample
import Synchronization
import TernEngine
import TernTables

/// `tern-bench async`: synced PutItems from OS threads (the synchronous API) beside the same
/// number of Swift tasks (the async API), in one process and one run.
struct AsyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench async",
        abstract: "Synced PutItems: N OS threads on the synchronous API beside N tasks on the async API.",
        discussion: """
            Every round opens a fresh TableStore (OITH Users: geohash index at precision 4, \
            match-card projection), and runs each mode once, in a rotating order:
              threads          --writers pthreads, each --puts synced PutItems (synchronous API)
              tasks            --writers Swift tasks, each --puts synced PutItems (async API:
                               the work runs on the store's thread pool, the wait for the
                               fsync on no thread)
              tasks-blocking   --writers Swift tasks calling the synchronous API directly (what
                               an async caller had before: fsyncs on the cooperative pool)
            Items are distinct synthetic users, encoded before timing. Reported per mode: puts/s \
            (all puts ÷ wall time), WAL fsyncs, puts per fsync, p50/p99 latency of one put; the \
            median over rounds, and the ratio tasks ÷ threads (goal: ≥ 0.9 for both puts/s and \
            puts per fsync).
            """)

    @Option(name: .customLong("writers"), help: "Concurrent writers (threads or tasks).")
    var writers = 8

    @Option(name: .customLong("puts"), help: "Synced PutItems per writer per round.")
    var puts = 250

    @Option(name: .customLong("rounds"), help: "Rounds (each runs every mode once, in a rotating order).")
    var rounds = 5

    @Option(name: .customLong("modes"), help: "Comma-separated modes: threads,tasks,tasks-blocking.")
    var modes = "threads,tasks,tasks-blocking"

    @Option(name: .customLong("pool_threads"), help: "Threads of the async API's pool (default: the shared pool's).")
    var poolThreads: Int?

    @Option(name: .customLong("db"), help: "Directory for the stores (emptied per run).")
    var databaseRoot = "/tmp/tern-bench-async"

    func validate() throws {
        guard writers >= 1, puts >= 1, rounds >= 1 else { throw ValidationError("--writers, --puts and --rounds must be at least 1") }
        _ = try modeList()
    }

    func modeList() throws -> [AsyncMode] {
        try modes.split(separator: ",").map { name in
            guard let mode = AsyncMode(rawValue: String(name)) else { throw ValidationError("unknown mode '\(name)'") }
            return mode
        }
    }

    func run() throws {
        let modes = try modeList()
        let pool = poolThreads.map { BlockingThreadPool(threadCount: $0, name: "bench-pool") } ?? .shared
        let population = UserPopulation(seed: 7)
        let items = try (0..<(writers * puts)).map { try TernTablesDriver.item(population.user($0)) }
        print("tern-bench async: \(writers) writers x \(puts) synced PutItems, \(rounds) rounds; pool \(pool.threadCount) threads; "
            + "load average \(formatFixed(ProcessMetrics.loadAverage(), 2))")
        var results: [AsyncMode: [AsyncRoundResult]] = [:]
        for round in 0..<rounds {
            for offset in modes.indices {
                let mode = modes[(offset + round) % modes.count]
                let directory = "\(databaseRoot)/\(mode.rawValue)"
                try FileTree.removeTree(directory)
                var options = StoreOptions()
                options.threadPool = pool
                let tables = try TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil)
                try tables.createTable(OITHSchemas.users, durability: .synced)
                let result = try AsyncWorkload(tables: tables, items: items, writers: writers, putsEach: puts).run(mode)
                try tables.close()
                try FileTree.removeTree(directory)
                results[mode, default: []].append(result)
                print("  round \(round + 1) \(pad(mode.rawValue, 15)) \(result.summary)")
            }
        }
        print(AsyncReport(modes: modes, results: results).render())
        print("load average at end \(formatFixed(ProcessMetrics.loadAverage(), 2))")
    }
}

/// How the writers run.
enum AsyncMode: String, CaseIterable, Sendable {
    case threads
    case tasks
    case tasksBlocking = "tasks-blocking"
}

/// One mode's figures in one round.
struct AsyncRoundResult {
    var puts: Int
    var seconds: Double
    var fsyncs: Int
    var latenciesMicroseconds: [Double]

    var putsPerSecond: Double { Double(puts) / seconds }
    var putsPerFsync: Double { Double(puts) / Double(max(fsyncs, 1)) }

    func percentile(_ fraction: Double) -> Double {
        let sorted = latenciesMicroseconds.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    var summary: String {
        "\(leftPad(formatGrouped(putsPerSecond), 8)) puts/s  \(leftPad(String(fsyncs), 6)) fsyncs  "
            + "\(leftPad(formatFixed(putsPerFsync, 2), 6)) puts/fsync  p50 \(formatFixed(percentile(0.5), 0)) µs  "
            + "p99 \(formatFixed(percentile(0.99), 0)) µs"
    }
}

/// The synced PutItems of one round, in one mode.
struct AsyncWorkload: Sendable {
    let tables: TableStore
    let items: [Item]
    let writers: Int
    let putsEach: Int

    func run(_ mode: AsyncMode) throws -> AsyncRoundResult {
        let latencies = Mutex<[Double]>([])
        let syncsBefore = tables.store.statistics.walSyncs
        let start = ContinuousClock.now
        switch mode {
        case .threads:
            let failure = Mutex<String?>(nil)
            Threads.run(count: writers) { writer in
                do {
                    let own = try self.putAllSynchronously(writer: writer)
                    latencies.withLock { $0 += own }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
            if let message = failure.withLock({ $0 }) { throw ValidationError("a writer failed: \(message)") }
        case .tasks, .tasksBlocking:
            let blocking = mode == .tasksBlocking
            try waitForTask {
                try await withThrowingTaskGroup(of: [Double].self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            blocking ? try self.putAllSynchronously(writer: writer) : try await self.putAllAsync(writer: writer)
                        }
                    }
                    for try await own in group { latencies.withLock { $0 += own } }
                }
            }
        }
        let seconds = (ContinuousClock.now - start).seconds
        return AsyncRoundResult(
            puts: writers * putsEach, seconds: seconds, fsyncs: tables.store.statistics.walSyncs - syncsBefore,
            latenciesMicroseconds: latencies.withLock { $0 })
    }

    /// The writer's puts through the synchronous API, on the calling thread.
    private func putAllSynchronously(writer: Int) throws -> [Double] {
        var latencies: [Double] = []
        latencies.reserveCapacity(putsEach)
        for index in 0..<putsEach {
            let request = PutItemRequest(tableName: OITHSchemas.usersTableName, item: items[writer * putsEach + index])
            let start = ContinuousClock.now
            try tables.putItem(request, durability: .synced)
            latencies.append((ContinuousClock.now - start).seconds * 1e6)
        }
        return latencies
    }

    /// The writer's puts through the async API.
    private func putAllAsync(writer: Int) async throws -> [Double] {
        var latencies: [Double] = []
        latencies.reserveCapacity(putsEach)
        for index in 0..<putsEach {
            let request = PutItemRequest(tableName: OITHSchemas.usersTableName, item: items[writer * putsEach + index])
            let start = ContinuousClock.now
            try await tables.putItem(request, durability: .synced)
            latencies.append((ContinuousClock.now - start).seconds * 1e6)
        }
        return latencies
    }
}

/// The medians over rounds, and the ratios the goal is about.
struct AsyncReport {
    let modes: [AsyncMode]
    let results: [AsyncMode: [AsyncRoundResult]]

    func render() -> String {
        var lines = ["", "median over rounds (range):",
                     "| mode | puts/s | puts per fsync | p50 µs | p99 µs |", "|---|---:|---:|---:|---:|"]
        for mode in modes {
            let rounds = results[mode] ?? []
            let rates = rounds.map(\.putsPerSecond)
            let shares = rounds.map(\.putsPerFsync)
            lines.append("| \(mode.rawValue) | \(formatGrouped(median(rates))) (\(formatGrouped(rates.min() ?? 0))–\(formatGrouped(rates.max() ?? 0))) "
                + "| \(formatFixed(median(shares), 2)) (\(formatFixed(shares.min() ?? 0, 2))–\(formatFixed(shares.max() ?? 0, 2))) "
                + "| \(formatFixed(median(rounds.map { $0.percentile(0.5) }), 0)) | \(formatFixed(median(rounds.map { $0.percentile(0.99) }), 0)) |")
        }
        if let threads = results[.threads], let tasks = results[.tasks], threads.count == tasks.count {
            let rateRatios = zip(tasks, threads).map { $0.putsPerSecond / $1.putsPerSecond }
            let shareRatios = zip(tasks, threads).map { $0.putsPerFsync / $1.putsPerFsync }
            lines.append("")
            lines.append("tasks ÷ threads, per round: puts/s \(rateRatios.map { formatFixed($0, 2) }.joined(separator: ", ")) "
                + "(median \(formatFixed(median(rateRatios), 2))); puts per fsync \(shareRatios.map { formatFixed($0, 2) }.joined(separator: ", ")) "
                + "(median \(formatFixed(median(shareRatios), 2))); goal ≥ 0.90 for both")
        }
        return lines.joined(separator: "\n")
    }

    private func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// Runs `body` as a task and blocks the calling thread (the main thread, never a cooperative
/// one) until it finishes.
func waitForTask(_ body: @escaping @Sendable () async throws -> Void) throws {
    let completion = TaskCompletion()
    Task {
        do {
            try await body()
            completion.finish(.success(()))
        } catch {
            completion.finish(.failure(error))
        }
    }
    try completion.wait().get()
}

/// The outcome of a task and a semaphore the waiting thread blocks on. `@unchecked Sendable`:
/// `result` is behind a `Mutex`, and `sem_post`/`sem_wait` are thread-safe.
private final class TaskCompletion: @unchecked Sendable {
    private let result = Mutex<Result<Void, any Error>?>(nil)
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(semaphore, 0, 0) }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func finish(_ outcome: Result<Void, any Error>) {
        result.withLock { $0 = outcome }
        sem_post(semaphore)
    }

    func wait() -> Result<Void, any Error> {
        while sem_wait(semaphore) != 0 {}
        return result.withLock { $0 }!
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
