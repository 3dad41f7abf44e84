import CoreMetrics
import InMemoryLogging
import Logging
import MetricsTestKit
import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// The logger and metrics hooks: silent by default, and reporting flushes, compactions, WAL
/// syncs, background errors, request latencies and TTL purges when given a backend.
@Suite struct ObservabilityTests {
    static let dimensions = [("store", "test")]

    static func options(_ fileSystem: any FileSystem, metrics: TestMetrics, log: InMemoryLogHandler) -> StoreOptions {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.memtableBudgetBytes = 16 << 10
        options.level1MaxBytes = 64 << 10
        options.targetFileSizeBytes = 16 << 10
        options.metricsFactory = metrics
        options.metricsDimensions = dimensions
        var handler = log
        handler.logLevel = .debug
        options.logger = Logger(label: "test", factory: { _ in handler })
        return options
    }

    @Test func silentByDefault() {
        #expect(StoreOptions().metricsFactory is NOOPMetricsHandler)
        #expect(StoreOptions().logger.handler is SwiftLogNoOpLogHandler)
    }

    @Test func backgroundWorkAndRequestsAreReported() throws {
        let metrics = TestMetrics()
        let log = InMemoryLogHandler()
        let options = Self.options(MemoryFileSystem(), metrics: metrics, log: log)
        let tables = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try tables.createTable(keyedTable("Pets"), durability: .synced)
        let puts = 1500
        for index in 0..<puts {
            try tables.putItem(
                PutItemRequest(tableName: "Pets", item: ["pk": "pet\(index)", "notes": .string(String(repeating: "x", count: 60))]),
                durability: index % 100 == 0 ? .synced : .buffered)
        }
        _ = try tables.getItem(GetItemRequest(tableName: "Pets", key: ["pk": "pet1"]))
        tables.store.waitForCompactions()
        try tables.close()

        #expect(try metrics.expectCounter("tern_flushes_total", Self.dimensions).totalValue > 0)
        #expect(try metrics.expectCounter("tern_flush_bytes_total", Self.dimensions).totalValue > 0)
        #expect(try metrics.expectTimer("tern_flush_duration", Self.dimensions).values.count > 0)
        #expect(try metrics.expectCounter("tern_compactions_total", Self.dimensions).totalValue > 0)
        #expect(try metrics.expectCounter("tern_wal_syncs_total", Self.dimensions).totalValue >= 15)
        let putTimer = try metrics.expectTimer("tern_table_request_duration", Self.dimensions + [("operation", "PutItem")])
        #expect(putTimer.values.count == puts)
        #expect(try metrics.expectTimer("tern_table_request_duration", Self.dimensions + [("operation", "GetItem")]).values.count == 1)
        let messages = log.entries.map { "\($0.message)" }
        #expect(messages.contains { $0.hasPrefix("flushed a memtable to level 0") })
        #expect(messages.contains { $0.hasPrefix("compacted level 0 into 1") })
    }

    /// A failure that makes the store refuse writes is logged as an error and counted.
    @Test func backgroundErrorsAreReported() throws {
        let metrics = TestMetrics()
        let log = InMemoryLogHandler()
        let fileSystem = FaultInjectingFileSystem()
        let tables = try TableStore.open(
            at: "/t", storeOptions: Self.options(fileSystem, metrics: metrics, log: log), clock: .system, ttlPurgeInterval: nil)
        try tables.createTable(keyedTable("Pets"), durability: .synced)
        fileSystem.inject(.init(nth: 1, kinds: [.sync], persistent: true))
        #expect(throws: (any Error).self) { try tables.putItem(PutItemRequest(tableName: "Pets", item: ["pk": "a"]), durability: .synced) }
        fileSystem.clearFault()
        #expect(try metrics.expectCounter("tern_background_errors_total", Self.dimensions).totalValue == 1)
        #expect(log.entries.contains { $0.level == .error && "\($0.message)".contains("refuses writes") })
        try? tables.close()
    }

    /// The store's own purger counts what it removes.
    @Test func purgedItemsAreCounted() throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let options = Self.options(MemoryFileSystem(), metrics: metrics, log: InMemoryLogHandler())
        let tables = try TableStore.open(at: "/t", storeOptions: options, clock: clock.tableClock, ttlPurgeInterval: .milliseconds(20))
        try tables.createTable(keyedTable("Sessions", ttl: "expires"), durability: .synced)
        for index in 0..<5 {
            try tables.putItem(
                PutItemRequest(tableName: "Sessions", item: ["pk": "s\(index)", "expires": .number(Number(Int(clock.now) + 10))]),
                durability: .buffered)
        }
        clock.advance(by: 60)
        #expect(waitUntil { ((try? metrics.expectCounter("tern_ttl_purged_items_total", Self.dimensions).totalValue) ?? 0) == 5 })
        try tables.close()
    }
}
