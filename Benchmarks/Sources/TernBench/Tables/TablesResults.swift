import Histogram

/// Latencies in nanoseconds, 3 significant digits, up to 600 s (as tern-bench's workloads).
typealias LatencyHistogram = Histogram<UInt64>

extension LatencyHistogram {
    static func nanoseconds() -> LatencyHistogram {
        LatencyHistogram(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// The item workloads, in the order they run.
enum ItemWorkload: String, CaseIterable, Codable, Sendable {
    /// `--ops` PutItems of new users (one item and its geohash index entry each), buffered.
    case putitem
    /// `--ops` GetItems of random existing users, whole items.
    case getitem
    /// `--ops` UpdateItems `SET lastActive = :t ADD visits :one` of random existing users, buffered.
    case updateitem
    /// `--queries` Query pages: a random conversation's latest 20 messages, newest first.
    case query
    /// `--queries` matching queries from random users (radius, age ±5, five fields, 20).
    case match
    /// `--synced_ops` PutItems of new users, synced (Tern `.synced`, SQLite `synchronous=FULL`).
    case putitemSynced = "putitem-synced"
    /// `--mixed_ops` operations on 4 threads: a quarter synced PutItems of new users, half
    /// GetItems of random users, a quarter Query pages (Tern: one store, its writers share
    /// fsyncs; SQLite: a connection per thread, one writer at a time).
    case mixed4 = "mixed@4"
    /// The same on 8 threads.
    case mixed8 = "mixed@8"

    /// Whether it writes (and leaves background work to settle).
    var writes: Bool { self == .putitem || self == .updateitem || self == .putitemSynced || threads > 1 }

    /// Threads of the concurrent workloads (1 for the others).
    var threads: Int {
        switch self {
        case .mixed4: 4
        case .mixed8: 8
        default: 1
        }
    }

    /// What the row of the table says it measured.
    var label: String {
        switch self {
        case .putitem: "PutItem"
        case .getitem: "GetItem"
        case .updateitem: "UpdateItem"
        case .query: "Query page (Messages, latest 20)"
        case .match: "matching query (nearby)"
        case .putitemSynced: "PutItem, synced"
        case .mixed4: "mixed synced Put/Get/Query, 4 threads"
        case .mixed8: "mixed synced Put/Get/Query, 8 threads"
        }
    }

    /// The target for Tern, if any (checked by the report, never by tests).
    var target: ItemTarget? {
        switch self {
        case .putitem, .mixed4, .mixed8: .throughputOverSQLite(1.5)
        case .getitem, .updateitem, .query, .putitemSynced: .throughputOverSQLite(1)
        case .match: .matching(p99Microseconds: 1000, evaluatedPerReturned: 1.5)
        }
    }
}

/// A performance target from the issue ("Tables", part 5).
enum ItemTarget {
    /// Tern's ops/s at least this multiple of SQLite's.
    case throughputOverSQLite(Double)
    /// Tern's p99 at most this, with items evaluated at most this multiple of items returned.
    case matching(p99Microseconds: Double, evaluatedPerReturned: Double)
}

/// Mean, 95th percentile, maximum and total of a count per operation.
struct CountSummary: Codable, Sendable {
    var mean: Double
    var p95: Double
    var max: Int
    var total: Int

    init(_ values: [Int]) {
        let sorted = values.sorted()
        total = sorted.reduce(0, +)
        mean = sorted.isEmpty ? 0 : Double(total) / Double(sorted.count)
        p95 = sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)])
        max = sorted.last ?? 0
    }
}

/// One item workload on one engine.
struct ItemWorkloadResult: Codable, Sendable {
    var workload: ItemWorkload
    var operations: Int
    /// The sum of the operations' own times (harness work between operations not counted).
    var seconds: Double
    /// Wall time of the whole workload loop, harness checks included.
    var wallSeconds: Double
    /// `operations / seconds`.
    var operationsPerSecond: Double
    var latencyMicroseconds: LatencySummary
    /// Matching query: items (index entries or rows) read per query.
    var evaluated: CountSummary?
    /// Matching query and Query page: items returned per operation.
    var returned: CountSummary?
    var verified: Bool
    var verification: String
    /// Order-sensitive hash of what the reads returned (hex); engines must agree.
    var digest: String?
    /// Write workloads: time to finish the background work they left (`TablesDriver.settle`).
    var settleSecondsAfter: Double?
    var loadAverageStart: Double
    var loadAverageEnd: Double
    /// With `--callgrind`: user-space instructions per operation (inside the operations only).
    var instructionsPerOperation: Double?
}

/// Everything one engine's child process measured.
struct TablesEngineReport: Codable, Sendable {
    var engine: TablesEngineKind
    var configuration: String
    var usersLoaded = 0
    var messagesLoaded = 0
    /// Sum of the load batches' times (25 items per BatchWriteItem / transaction).
    var loadUsersSeconds = 0.0
    var loadMessagesSeconds = 0.0
    /// Time to make the load durable and let background work finish.
    var settleSeconds = 0.0
    var diskBytesAfterLoad = 0
    var diskBytesAtEnd = 0
    /// Peak RSS of the whole child process (harness inputs included).
    var peakResidentSetBytes = 0
    /// Engine statistics at the end (Tern: levels, block cache), one line.
    var statistics = ""
    var workloads: [ItemWorkloadResult] = []
    /// Set when the engine could not be opened or a workload failed outright.
    var error: String?
}

/// The whole run, as written to `--json`.
struct TablesRunReport: Codable, Sendable {
    var command: String
    var unixTime: Int
    var cores: Int
    var users: Int
    var operations: Int
    var queries: Int
    var messages: Int
    var radiusKilometers: Double
    var settings: TablesSettings
    var loadAverageStart: Double
    var loadAverageEnd: Double
    var engines: [TablesEngineReport]
}

extension LatencySummary {
    /// The percentiles of a histogram of nanoseconds, in microseconds.
    init(nanoseconds histogram: LatencyHistogram) {
        func micros(_ value: UInt64) -> Double { Double(value) / 1000 }
        self.init(
            p50: micros(histogram.valueAtPercentile(50)), p99: micros(histogram.valueAtPercentile(99)),
            p999: micros(histogram.valueAtPercentile(99.9)), max: micros(histogram.max), mean: histogram.mean / 1000)
    }
}
