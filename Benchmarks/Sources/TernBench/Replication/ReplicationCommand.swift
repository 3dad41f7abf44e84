import ArgumentParser
import Glibc
import Synchronization
import TernEngine
import TernReplication
import TernTables

/// `tern-bench replication`: three regions on loopback (three stores, three replicators: the
/// component `tern serve` hosts, in one process).
struct ReplicationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench replication",
        abstract: "Replication: lag at a write rate, writer throughput on vs off, catch-up after a partition, anti-entropy.",
        discussion: """
            lag         --rate synced PutItems/s spread over three regions (open loop, --threads \
                        writers per region) for --seconds: per change, its stamp to its apply in \
                        each other region; p50/p99/max (goal p99 ≤ 20 ms).
            throughput  closed loop, --threads synced writers per region for --seconds: local \
                        tables without replicators, global tables with the links stopped (the \
                        stamps' cost), global tables replicated; --rounds each; ratio on ÷ off \
                        (goal ≥ 0.85). All three regions share this machine's cores, so 'on' \
                        includes the other regions applying every write.
            catchup     writes at --rate while the third region's replicator is stopped for \
                        --partition-seconds (no link to or from it), then restarted: time until \
                        p99 lag stays under 20 ms, and changes applied per second meanwhile.
            antientropy two regions holding --items items (loaded and replicated), 1 % of them \
                        changed in one region outside replication: time for one anti-entropy \
                        round to find and repair them, and for a round with nothing to repair.
            """)

    @Option(help: "Writes per second across the regions (lag, catchup).")
    var rate = 10_000

    @Option(help: "Seconds of the measured window (lag, throughput).")
    var seconds = 20

    @Option(help: "Writer threads per region.")
    var threads = 4

    @Option(help: "Rounds of the throughput comparison (each: off, then on).")
    var rounds = 2

    @Option(help: "Seconds the third region is cut off (catchup).")
    var partitionSeconds = 60

    @Option(help: "Items of the anti-entropy table.")
    var items = 1_000_000

    @Option(help: "Comma-separated parts: lag,throughput,catchup,antientropy.")
    var parts = "lag,throughput,catchup,antientropy"

    @Option(name: .customLong("db"), help: "Directory for the stores (emptied per part).")
    var root = "/tmp/tern-bench-replication"

    func run() throws {
        print("tern-bench replication: load average \(formatFixed(ProcessMetrics.loadAverage(), 2))")
        let selected = Set(parts.split(separator: ",").map(String.init))
        if selected.contains("lag") { try lag() }
        if selected.contains("throughput") { try throughput() }
        if selected.contains("catchup") { try catchUp() }
        if selected.contains("antientropy") { try antiEntropy() }
        print("load average at the end \(formatFixed(ProcessMetrics.loadAverage(), 2))")
        try FileTree.removeTree(root)
    }

    static let regions = ["us-east", "eu-west", "ap-south"]
    static let table = "Bench"

    func freshMesh(_ names: [String] = Self.regions) throws -> ReplicationMesh {
        try FileTree.removeTree(root)
        try FileTree.makeDirectories(root)
        return try ReplicationMesh(root: root, names: names)
    }

    func lag() throws {
        let mesh = try freshMesh()
        try mesh.startAll()
        try mesh.createGlobalTable(Self.table)
        _ = Writers.paced(mesh.tables, table: Self.table, rate: Double(rate), seconds: 2, threads: threads)  // warm up
        try mesh.settle()
        mesh.collector.start()
        let load = ProcessMetrics.loadAverage()
        let written = Writers.paced(mesh.tables, table: Self.table, rate: Double(rate), seconds: Double(seconds), threads: threads)
        try mesh.settle()
        let lags = mesh.collector.stop()
        print("lag: \(written.count) synced PutItems in \(formatFixed(written.seconds, 1)) s (\(Int(Double(written.count) / written.seconds))/s of \(rate)/s), "
              + "\(lags.count) changes applied; per change stamp → apply: p50 \(ms(percentile(lags, 0.5))) p99 \(ms(percentile(lags, 0.99))) "
              + "p99.9 \(ms(percentile(lags, 0.999))) max \(ms(lags.max() ?? 0)) (goal p99 ≤ 20 ms); writer p99 \(ms(percentile(written.latencies, 0.99))); load \(formatFixed(load, 2))")
        try mesh.close()
    }

    func throughput() throws {
        enum Mode: String, CaseIterable { case off = "off", stampsOnly = "global, links stopped", on = "on" }
        var results: [(mode: Mode, rate: Double)] = []
        for round in 0..<rounds {
            for mode in Mode.allCases {
                let mesh = try freshMesh()
                if mode != .off {
                    try mesh.startAll()
                    try mesh.createGlobalTable(Self.table)
                    if mode == .stampsOnly { try mesh.stopAll() }
                } else {
                    for store in mesh.tables {
                        try store.createTable(CreateTableRequest(
                            tableName: Self.table, keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
                            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest),
                            durability: .synced)
                    }
                }
                let load = ProcessMetrics.loadAverage()
                let written = Writers.closed(mesh.tables, table: Self.table, seconds: Double(seconds), threads: threads)
                let perSecond = Double(written.count) / written.seconds
                results.append((mode, perSecond))
                print("throughput round \(round + 1) replication \(mode.rawValue): \(Int(perSecond)) synced PutItems/s "
                      + "(\(threads) writers × 3 regions), p99 \(ms(percentile(written.latencies, 0.99))); load \(formatFixed(load, 2))")
                try mesh.close()
            }
        }
        func median(_ mode: Mode) -> Double {
            let rates = results.filter { $0.mode == mode }.map(\.rate).sorted()
            return rates[rates.count / 2]
        }
        print("throughput: on ÷ off = \(formatFixed(median(.on) / median(.off), 2)) (medians; goal ≥ 0.85); "
              + "global tables with the links stopped ÷ off = \(formatFixed(median(.stampsOnly) / median(.off), 2)) (the stamps' own cost)")
    }

    func catchUp() throws {
        let mesh = try freshMesh()
        try mesh.startAll()
        try mesh.createGlobalTable(Self.table)
        try mesh.stop(2)
        let load = ProcessMetrics.loadAverage()
        let cut = Writers.paced(mesh.tables, table: Self.table, rate: Double(rate), seconds: Double(partitionSeconds), threads: threads)
        // What the other two regions hold for the cut-off one: their feeds past its cursors.
        let consumer = "replication:\(Self.regions[2])"
        let backlog = mesh.tables.prefix(2).reduce(UInt64(0)) { sum, store in
            sum + store.store.durableSequence.rawValue - (store.store.changeConsumers[consumer]?.rawValue ?? 0)
        }
        // Heal while the writers go on; watch the lag per 250 ms window.
        let stop = StopFlag()
        let tables = mesh.tables
        let rate = self.rate
        let threads = self.threads
        let writersDone = StopFlag()
        startThread {
            _ = Writers.paced(tables, table: Self.table, rate: Double(rate), seconds: 3600, threads: threads, stop: stop)
            writersDone.set()
        }
        mesh.collector.start()
        let healed = ContinuousClock.now
        try mesh.start(2)
        var applied = 0
        var calm = 0
        var caughtUp: Duration?
        while ContinuousClock.now - healed < .seconds(600) {
            usleep(250_000)
            let window = mesh.collector.stop()
            mesh.collector.start()
            applied += window.count
            if !window.isEmpty && percentile(window, 0.99) < 20_000 && ContinuousClock.now - healed > .seconds(1) {
                calm += 1
                if calm == 3 { caughtUp = ContinuousClock.now - healed - .milliseconds(500); break }
            } else {
                calm = 0
            }
        }
        stop.set()
        while !writersDone.isSet { usleep(1000) }
        _ = mesh.collector.stop()
        let elapsed = caughtUp.map { secondsOf($0) } ?? 600
        print("catch-up: \(cut.count) writes at \(Int(Double(cut.count) / cut.seconds))/s during a \(partitionSeconds) s cut of \(Self.regions[2]) "
              + "(\(backlog) operations of the others' feeds waiting for it); lag back under 20 ms (p99 of 250 ms windows, three in a row) after "
              + "\(caughtUp == nil ? "more than 600" : formatFixed(elapsed, 2)) s, \(Int(Double(applied) / elapsed)) changes applied/s "
              + "while writes went on at \(rate)/s; load \(formatFixed(load, 2))")
        try mesh.close()
    }

    func antiEntropy() throws {
        let mesh = try freshMesh(Array(Self.regions.prefix(2)))
        try mesh.startAll()
        try mesh.createGlobalTable(Self.table)
        let loadStart = ContinuousClock.now
        try Writers.load(mesh.tables[0], table: Self.table, items: items)
        try mesh.settle(timeout: .seconds(1800))
        print("antientropy: \(items) items loaded in region 0 and replicated in \(formatFixed(secondsOf(ContinuousClock.now - loadStart), 1)) s")
        let changed = try Writers.diverge(mesh.tables[1], table: Self.table, items: items, fraction: 0.01)
        let load = ProcessMetrics.loadAverage()
        let started = ContinuousClock.now
        let replicator = mesh.replicators[0]!
        let reports = try blockOn { try await replicator.repair(tableName: Self.table) }
        let elapsed = secondsOf(ContinuousClock.now - started)
        let again = ContinuousClock.now
        let clean = try blockOn { try await replicator.repair(tableName: Self.table) }
        let cleanElapsed = secondsOf(ContinuousClock.now - again)
        for report in reports + clean { print("  \(report)") }
        print("antientropy: \(changed) of \(items) items (1 %) changed in region 1 outside replication: found and repaired in \(formatFixed(elapsed, 2)) s "
              + "(\(reports.first?.pulled ?? 0) pulled, \(reports.first?.leavesDiffering ?? 0) of \(reports.first?.leaves ?? 0) leaves differing); "
              + "a round with nothing to repair \(formatFixed(cleanElapsed, 2)) s; load \(formatFixed(load, 2))")
        try mesh.close()
    }

    private func ms(_ microseconds: UInt64) -> String { "\(formatFixed(Double(microseconds) / 1000, 2)) ms" }
}

/// `seconds(_:)` of the benchmark harness (the command's `seconds` option hides it).
func secondsOf(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs `body` on a detached OS thread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let result = pthread_create(&thread, nil, { argument in
        Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
        return nil
    }, box)
    precondition(result == 0, "pthread_create failed: \(result)")
    pthread_detach(thread)
}
