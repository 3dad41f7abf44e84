import Synchronization
/// What an item-workload run is asked to do, shared by the parent and its per-engine children.
struct TablesConfiguration: Sendable {
    var users: Int
    var operations: Int
    var queries: Int
    var messages: Int
    var messagesPerConversation: Int
    var syncedOperations: Int
    var radiusKilometers: Double
    var workloads: [ItemWorkload]
    var settings: TablesSettings
    var databaseRoot: String
    var seed: UInt64
    var keepDatabase: Bool
    /// Operations of each concurrent workload (over all its threads).
    var mixedOperations = 20_000
    /// The child runs under callgrind: each operation runs inside `tern_bench_measured`.
    var callgrind = false

    var conversations: Int { messages / messagesPerConversation }
}

/// Loads the Users and Messages tables into one engine and runs the item workloads on it, in
/// this process (the child process of that engine), single-threaded.
///
/// Every operation is timed alone (`CLOCK_MONOTONIC` before and after the driver call) into an
/// HdrHistogram; inputs are generated before a workload starts and results are checked after
/// each call, outside the timed span.
struct TablesBenchmark<D: TablesDriver> {
    /// Items per load batch (DynamoDB's BatchWriteItem limit; one SQLite transaction).
    static var batchSize: Int { 25 }
    /// Items per Query page and matching-query page.
    static var pageSize: Int { 20 }

    let kind: TablesEngineKind
    let configuration: TablesConfiguration
    let directory: String
    let users: UserPopulation
    let messages: MessagePopulation
    private var facts = UserFacts()

    init(kind: TablesEngineKind, configuration: TablesConfiguration) {
        self.kind = kind
        self.configuration = configuration
        directory = configuration.databaseRoot + "/" + kind.rawValue
        users = UserPopulation(seed: configuration.seed)
        messages = MessagePopulation(
            seed: configuration.seed, conversations: configuration.conversations,
            perConversation: configuration.messagesPerConversation, users: configuration.users)
    }

    /// Runs everything; failures end the run and are reported, never thrown.
    mutating func run() -> TablesEngineReport {
        var report = TablesEngineReport(engine: kind, configuration: "")
        var driver: D?
        do {
            try FileTree.removeTree(directory)
            try FileTree.makeDirectories(directory)
            let opened = try D.open(directory: directory, settings: configuration.settings)
            driver = opened
            try opened.createTables()
            report.configuration = opened.configurationSummary
            say("[\(kind.rawValue)] \(report.configuration)")
            try load(opened, into: &report)
            for workload in configuration.workloads {
                let result = try run(workload, on: opened)
                report.workloads.append(result)
                printProgress(result)
            }
            report.statistics = opened.statisticsSummary
            report.diskBytesAtEnd = FileTree.sizeBytes(directory)
            report.peakResidentSetBytes = ProcessMetrics.peakResidentSetBytes()
            driver = nil
            try opened.close()
            if !configuration.keepDatabase { try FileTree.removeTree(directory) }
        } catch {
            report.error = "\(error)"
            say("[\(kind.rawValue)] FAILED: \(error)")
            try? driver?.close()
        }
        return report
    }

    // MARK: Loading

    private mutating func load(_ driver: D, into report: inout TablesEngineReport) throws {
        facts.reserve(configuration.users + configuration.operations + configuration.syncedOperations)
        var batch: [SyntheticUser] = []
        batch.reserveCapacity(TablesBenchmark.batchSize)
        var nanoseconds: UInt64 = 0
        for index in 0..<configuration.users {
            let user = users.user(index)
            facts.append(user)
            batch.append(user)
            if batch.count == TablesBenchmark.batchSize || index == configuration.users - 1 {
                let start = ProcessMetrics.nowNanoseconds()
                try driver.loadUsers(batch)
                nanoseconds &+= ProcessMetrics.nowNanoseconds() &- start
                batch.removeAll(keepingCapacity: true)
            }
            if (index + 1) % 250_000 == 0 { say("[\(kind.rawValue)] loaded \(index + 1) users") }
        }
        report.usersLoaded = configuration.users
        report.loadUsersSeconds = Double(nanoseconds) / 1e9

        var messageBatch: [SyntheticMessage] = []
        messageBatch.reserveCapacity(TablesBenchmark.batchSize)
        nanoseconds = 0
        for index in 0..<messages.count {
            messageBatch.append(messages.message(index))
            if messageBatch.count == TablesBenchmark.batchSize || index == messages.count - 1 {
                let start = ProcessMetrics.nowNanoseconds()
                try driver.loadMessages(messageBatch)
                nanoseconds &+= ProcessMetrics.nowNanoseconds() &- start
                messageBatch.removeAll(keepingCapacity: true)
            }
        }
        report.messagesLoaded = messages.count
        report.loadMessagesSeconds = Double(nanoseconds) / 1e9

        let settleStart = ProcessMetrics.nowNanoseconds()
        try driver.settle()
        report.settleSeconds = Double(ProcessMetrics.nowNanoseconds() &- settleStart) / 1e9
        report.diskBytesAfterLoad = FileTree.sizeBytes(directory)
        say("[\(kind.rawValue)] loaded \(report.usersLoaded) users in \(formatFixed(report.loadUsersSeconds, 1)) s, "
              + "\(report.messagesLoaded) messages in \(formatFixed(report.loadMessagesSeconds, 1)) s "
              + "(batches of \(TablesBenchmark.batchSize)); settled in \(formatFixed(report.settleSeconds, 1)) s; "
              + "\(formatFixed(Double(report.diskBytesAfterLoad) / 1_048_576, 1)) MiB on disk")
    }

    // MARK: Workloads

    private struct Measured {
        var histogram = LatencyHistogram.nanoseconds()
        var nanoseconds: UInt64 = 0
        var wallNanoseconds: UInt64 = 0
    }

    /// Calls `operation(i)` for `i` in `0..<count`, timing each call alone, then `check(i, result)`
    /// untimed.
    private func measure<R>(_ count: Int, _ operation: (Int) throws -> R, check: (Int, R) -> Void) throws -> Measured {
        var measured = Measured()
        let callgrind = configuration.callgrind
        let wallStart = ProcessMetrics.nowNanoseconds()
        for index in 0..<count {
            let start = ProcessMetrics.nowNanoseconds()
            // Under --callgrind only the operation itself is counted (`Callgrind`).
            let result = callgrind ? try Callgrind.measured { try operation(index) } : try operation(index)
            let elapsed = max(ProcessMetrics.nowNanoseconds() &- start, 1)
            _ = measured.histogram.record(elapsed)
            measured.nanoseconds &+= elapsed
            check(index, result)
        }
        measured.wallNanoseconds = ProcessMetrics.nowNanoseconds() &- wallStart
        return measured
    }

    private mutating func run(_ workload: ItemWorkload, on driver: D) throws -> ItemWorkloadResult {
        let loadAtStart = ProcessMetrics.loadAverage()
        var result: ItemWorkloadResult
        switch workload {
        case .putitem, .putitemSynced:
            result = try putUsers(workload, on: driver)
        case .getitem:
            result = try getUsers(on: driver)
        case .updateitem:
            result = try touchUsers(on: driver)
        case .query:
            result = try queryPages(on: driver)
        case .match:
            result = try matchUsers(on: driver)
        case .mixed4, .mixed8:
            result = try mixed(workload, on: driver)
        }
        // The counts of this workload's operations (`--callgrind`) go to a dump of their own.
        Callgrind.dump()
        if workload.writes {
            // Background work a write workload leaves (Tern: compactions; SQLite: the WAL
            // checkpoint) is finished before the next workload, so that each measures its own
            // operations; how long it took is reported with the write workload.
            let settleStart = ProcessMetrics.nowNanoseconds()
            try driver.settle()
            result.settleSecondsAfter = Double(ProcessMetrics.nowNanoseconds() &- settleStart) / 1e9
        }
        result.loadAverageStart = loadAtStart
        result.loadAverageEnd = ProcessMetrics.loadAverage()
        return result
    }

    private func result(
        _ workload: ItemWorkload, _ count: Int, _ measured: Measured, verified: Bool, _ verification: String
    ) -> ItemWorkloadResult {
        let seconds = Double(measured.nanoseconds) / 1e9
        return ItemWorkloadResult(
            workload: workload, operations: count, seconds: seconds, wallSeconds: Double(measured.wallNanoseconds) / 1e9,
            operationsPerSecond: seconds > 0 ? Double(count) / seconds : 0,
            latencyMicroseconds: LatencySummary(nanoseconds: measured.histogram), evaluated: nil, returned: nil,
            verified: verified, verification: verification, digest: nil, settleSecondsAfter: nil, loadAverageStart: 0,
            loadAverageEnd: 0)
    }

    /// PutItems of users never written before, then a GetItem of a sample of them (untimed).
    private mutating func putUsers(_ workload: ItemWorkload, on driver: D) throws -> ItemWorkloadResult {
        let count = workload == .putitem ? configuration.operations : configuration.syncedOperations
        let first = facts.count
        let inputs = (0..<count).map { users.user(first + $0) }
        let durability: WriteDurability = workload == .putitem ? .buffered : .synced
        let measured = try measure(count, { try driver.putUser(inputs[$0], durability: durability) }, check: { _, _ in })
        for user in inputs { facts.append(user) }
        var missing = 0
        let sample = Array(stride(from: 0, to: count, by: max(1, count / 1000)))
        for index in sample {
            let readback = try driver.getUser(email: inputs[index].email)
            if readback?.age != inputs[index].age { missing += 1 }
        }
        return result(
            workload, count, measured, verified: missing == 0,
            "\(count) written, \(sample.count - missing)/\(sample.count) read back")
    }

    /// `count` user numbers drawn uniformly from every user written so far.
    private func randomUsers(_ count: Int, salt: UInt64) -> [Int] {
        var random = SplitMix64(seed: configuration.seed ^ salt)
        return (0..<count).map { _ in random.below(facts.count) }
    }

    private func getUsers(on driver: D) throws -> ItemWorkloadResult {
        let count = configuration.operations
        let chosen = randomUsers(count, salt: 0x6E7_17E4)
        let emails = chosen.map(UserPopulation.email)
        var found = 0
        var wrong = 0
        let measured = try measure(count, { try driver.getUser(email: emails[$0]) }) { index, readback in
            guard let readback else { return }
            found += 1
            // Eleven attributes written plus the geohash (visits/lastActive when updated).
            if readback.email != emails[index] || readback.age != Int(facts.ages[chosen[index]]) || readback.fields < 12 {
                wrong += 1
            }
        }
        return result(.getitem, count, measured, verified: found == count && wrong == 0, "\(found)/\(count) found, \(wrong) wrong")
    }

    private func touchUsers(on driver: D) throws -> ItemWorkloadResult {
        let count = configuration.operations
        let chosen = randomUsers(count, salt: 0x0DA7_E17E)
        let emails = chosen.map(UserPopulation.email)
        let firstSecond = 1_764_000_000
        var updates: [Int: Int] = [:]
        let measured = try measure(count, { try driver.touchUser(email: emails[$0], lastActive: firstSecond + $0) }) { index, _ in
            updates[chosen[index], default: 0] += 1
        }
        // Visits must equal the updates of each user (a sample of up to 1000 users).
        var wrong = 0
        let sample = Array(Set(chosen.prefix(1000)))
        for user in sample {
            let visits = try driver.getUser(email: UserPopulation.email(user))?.visits
            if visits != updates[user] { wrong += 1 }
        }
        return result(
            .updateitem, count, measured, verified: wrong == 0, "\(count) updated, \(sample.count - wrong)/\(sample.count) visits right")
    }

    private func queryPages(on driver: D) throws -> ItemWorkloadResult {
        let count = configuration.queries
        let expected = min(TablesBenchmark.pageSize, configuration.messagesPerConversation)
        var random = SplitMix64(seed: configuration.seed ^ 0xC0_4E45)
        let conversationIds = (0..<count).map { _ in MessagePopulation.conversationId(random.below(configuration.conversations)) }
        var returned: [Int] = []
        returned.reserveCapacity(count)
        var wrong = 0
        var digest: UInt64 = 0
        let measured = try measure(count, { try driver.latestMessages(conversationId: conversationIds[$0], limit: TablesBenchmark.pageSize) }) {
            _, page in
            returned.append(page.count)
            if page.count != expected || !page.descending { wrong += 1 }
            digest = (digest ^ page.digest) &* 0x100_0000_01B3
        }
        var outcome = result(
            .query, count, measured, verified: wrong == 0, "\(count - wrong)/\(count) pages of \(expected), newest first")
        outcome.returned = CountSummary(returned)
        outcome.digest = String(digest, radix: 16)
        return outcome
    }

    private func matchUsers(on driver: D) throws -> ItemWorkloadResult {
        let count = configuration.queries
        let queries = randomUsers(count + 100, salt: 0x3A7C_4E5).map { user in
            let age = Int(facts.ages[user])
            return MatchQuery(
                latitude: facts.latitudes[user], longitude: facts.longitudes[user], radiusKilometers: configuration.radiusKilometers,
                ageLow: max(18, age - 5), ageHigh: age + 5, limit: TablesBenchmark.pageSize)
        }
        for query in queries.suffix(100) { _ = try driver.match(query) }  // warm-up, not measured
        var evaluated: [Int] = []
        var returned: [Int] = []
        evaluated.reserveCapacity(count)
        returned.reserveCapacity(count)
        var wrong = 0
        var digest: UInt64 = 0
        let measured = try measure(count, { try driver.match(queries[$0]) }) { _, outcome in
            evaluated.append(outcome.evaluated)
            returned.append(outcome.returned)
            if outcome.returned > TablesBenchmark.pageSize || outcome.evaluated < outcome.returned { wrong += 1 }
            digest = (digest ^ outcome.digest) &* 0x100_0000_01B3
        }
        var outcome = result(
            .match, count, measured, verified: wrong == 0,
            "\(count - wrong)/\(count) pages of at most \(TablesBenchmark.pageSize) within \(formatFixed(configuration.radiusKilometers, 0)) km")
        outcome.evaluated = CountSummary(evaluated)
        outcome.returned = CountSummary(returned)
        outcome.digest = String(digest, radix: 16)
        return outcome
    }

    /// What one thread of a concurrent workload measured.
    private struct WorkerOutcome: Sendable {
        var histogram = LatencyHistogram.nanoseconds()
        var nanoseconds: UInt64 = 0
        var start: UInt64 = 0
        var end: UInt64 = 0
        var found = 0
        var gets = 0
        var pages = 0
        var error: String?
    }

    /// `mixed@N`: `--mixed_ops` operations on N threads, each its share in the order put, get,
    /// query, get (a quarter synced PutItems of users never written, half GetItems of random
    /// users, a quarter Query pages). Throughput is all operations ÷ wall time from the threads'
    /// common start to the last one's end (the point is concurrency); latency per operation.
    private mutating func mixed(_ workload: ItemWorkload, on driver: D) throws -> ItemWorkloadResult {
        let threads = workload.threads
        let count = configuration.mixedOperations
        let firstNewUser = facts.count
        let puts = (0..<count).filter { $0 % 4 == 0 }.count
        let newUsers = (0..<puts).map { users.user(firstNewUser + $0) }
        let existing = facts.count
        var random = SplitMix64(seed: configuration.seed ^ 0x3141_5926 ^ UInt64(threads))
        let reads = (0..<count).map { _ in random.below(existing) }
        let conversations = (0..<count).map { _ in MessagePopulation.conversationId(random.below(configuration.conversations)) }
        let callgrind = configuration.callgrind
        let pageSize = TablesBenchmark.pageSize
        // Workers are opened here (SQLite: a connection each), before the clock starts.
        let workers = try (0..<threads).map { _ in try driver.makeWorker() }
        let handles = WorkerHandles(workers)
        let outcomes = OutcomeBox<WorkerOutcome>()
        let barrier = StartBarrier(count: threads)
        let shared = MixedInputs(newUsers: newUsers, reads: reads, conversations: conversations)
        Threads.run(count: threads) { thread in
            let worker = handles.drivers[thread]
            var outcome = WorkerOutcome()
            barrier.wait()
            outcome.start = ProcessMetrics.nowNanoseconds()
            do {
                for index in stride(from: thread, to: count, by: threads) {
                    let start = ProcessMetrics.nowNanoseconds()
                    let operation = {
                        switch index % 4 {
                        case 0:
                            try worker.putUser(shared.newUsers[index / 4], durability: .synced)
                        case 2:
                            let page = try worker.latestMessages(conversationId: shared.conversations[index], limit: pageSize)
                            outcome.pages += page.count == pageSize ? 1 : 0
                        default:
                            outcome.gets += 1
                            outcome.found += try worker.getUser(email: UserPopulation.email(shared.reads[index])) != nil ? 1 : 0
                        }
                    }
                    if callgrind { try Callgrind.measured(operation) } else { try operation() }
                    let elapsed = max(ProcessMetrics.nowNanoseconds() &- start, 1)
                    _ = outcome.histogram.record(elapsed)
                    outcome.nanoseconds &+= elapsed
                }
            } catch {
                outcome.error = "\(error)"
            }
            outcome.end = ProcessMetrics.nowNanoseconds()
            outcomes.append(outcome)
        }
        for worker in workers { try worker.closeWorker() }
        for user in newUsers { facts.append(user) }
        let all = outcomes.values
        if let error = all.compactMap(\.error).first { throw BenchError("\(workload.rawValue): \(error)") }
        var histogram = LatencyHistogram.nanoseconds()
        for outcome in all { histogram.add(outcome.histogram) }
        let wall = (all.map(\.end).max() ?? 0) &- (all.map(\.start).min() ?? 0)
        var missing = 0
        let sample = Array(stride(from: 0, to: puts, by: max(1, puts / 200)))
        for index in sample where try driver.getUser(email: newUsers[index].email)?.age != newUsers[index].age { missing += 1 }
        let gets = all.reduce(0) { $0 + $1.gets }
        let found = all.reduce(0) { $0 + $1.found }
        let pages = all.reduce(0) { $0 + $1.pages }
        let queries = count - puts - gets
        let seconds = Double(wall) / 1e9
        return ItemWorkloadResult(
            workload: workload, operations: count, seconds: seconds, wallSeconds: seconds,
            operationsPerSecond: seconds > 0 ? Double(count) / seconds : 0,
            latencyMicroseconds: LatencySummary(nanoseconds: histogram), evaluated: nil, returned: nil,
            verified: missing == 0 && found == gets && pages == queries,
            verification: "\(puts) synced puts (\(sample.count - missing)/\(sample.count) read back), \(found)/\(gets) found, "
                + "\(pages)/\(queries) full pages on \(threads) threads",
            digest: nil, settleSecondsAfter: nil, loadAverageStart: 0, loadAverageEnd: 0)
    }

    private func printProgress(_ result: ItemWorkloadResult) {
        var line = [
            "[\(kind.rawValue)]", pad(result.workload.rawValue, 14),
            leftPad(formatGrouped(result.operationsPerSecond), 9) + " ops/s",
            "p50 " + formatFixed(result.latencyMicroseconds.p50, 1),
            "p99 " + formatFixed(result.latencyMicroseconds.p99, 1),
            "p99.9 " + formatFixed(result.latencyMicroseconds.p999, 1) + " µs",
        ]
        if let evaluated = result.evaluated, let returned = result.returned {
            line.append("evaluated \(formatFixed(evaluated.mean, 1)) returned \(formatFixed(returned.mean, 1))")
        }
        line.append(result.verified ? "OK (\(result.verification))" : "CHECK FAILED (\(result.verification))")
        if let settle = result.settleSecondsAfter { line.append("settled in \(formatFixed(settle, 2)) s after") }
        say(line.joined(separator: "  "))
    }
}

/// Runs the engine named `kind` in this process.
func runTablesBenchmark(_ kind: TablesEngineKind, _ configuration: TablesConfiguration) -> TablesEngineReport {
    switch kind {
    case .tern:
        var benchmark = TablesBenchmark<TernTablesDriver>(kind: kind, configuration: configuration)
        return benchmark.run()
    case .sqlite:
        var benchmark = TablesBenchmark<SQLiteTablesDriver>(kind: kind, configuration: configuration)
        return benchmark.run()
    }
}

/// The drivers of a concurrent workload's threads, one each (`@unchecked Sendable`: each thread
/// uses only its own; the Tern driver's store is thread-safe).
private final class WorkerHandles<D: TablesDriver>: @unchecked Sendable {
    let drivers: [D]
    init(_ drivers: [D]) { self.drivers = drivers }
}

/// The immutable inputs every thread of a concurrent workload reads.
private struct MixedInputs: Sendable {
    let newUsers: [SyntheticUser]
    let reads: [Int]
    let conversations: [String]
}

/// Results the threads hand back.
private final class OutcomeBox<T: Sendable>: Sendable {
    private let storage = Mutex<[T]>([])
    func append(_ value: T) { storage.withLock { $0.append(value) } }
    var values: [T] { storage.withLock { $0 } }
}
