import Glibc
import Logging
import Synchronization
import TernEngine
import TernReplication
import TernTables

/// Runs an async body from synchronous code (the benchmark's main thread is not a task).
func blockOn<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
    defer {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }
    let box = SemaphoreBox(semaphore)
    Task {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        sem_post(box.semaphore)
    }
    while sem_wait(semaphore) != 0 {}
    return try result.withLock { $0! }.get()
}

private final class SemaphoreBox: @unchecked Sendable {
    // Posted once by the task, waited on by the caller; the semaphore is its own synchronization.
    let semaphore: UnsafeMutablePointer<sem_t>
    init(_ semaphore: UnsafeMutablePointer<sem_t>) { self.semaphore = semaphore }
}

/// Regions on this machine: a store directory each (real disk), and a replicator each on a
/// loopback port, every region peering with every other (the component `tern serve` hosts).
final class ReplicationMesh {
    let names: [String]
    let tables: [TableStore]
    let ports: [Int]
    private(set) var replicators: [Replicator?]
    let collector = LagCollector()
    static let secret = try! ClusterSecret(Array("the benchmark's cluster secret".utf8))

    init(root: String, names: [String]) throws {
        self.names = names
        var stores: [TableStore] = []
        for name in names {
            var options = StoreOptions()
            options.memtableBudgetBytes = 32 << 20
            stores.append(try TableStore.open(at: "\(root)/\(name)", storeOptions: options, clock: .system, ttlPurgeInterval: nil))
        }
        tables = stores
        ports = names.map { _ in ReplicationMesh.freePort() }
        replicators = names.map { _ in nil }
    }

    /// Starts region `index`'s replicator (a fresh one).
    func start(_ index: Int) throws {
        let peers = names.indices.filter { $0 != index }.map { PeerEndpoint(region: try! RegionID(names[$0]), host: "127.0.0.1", port: ports[$0]) }
        var configuration = ReplicationConfiguration(region: try RegionID(names[index]), listenPort: ports[index], peers: peers, secret: Self.secret)
        configuration.antiEntropyInterval = nil
        configuration.backoffCap = .milliseconds(500)
        var logger = Logger(label: "bench.replication.\(names[index])")
        logger.logLevel = .warning
        let replicator = try Replicator(tables: tables[index], configuration: configuration, logger: logger, metricsFactory: collector)
        try blockOn { try await replicator.start() }
        replicators[index] = replicator
    }

    func startAll() throws {
        for index in names.indices { try start(index) }
    }

    func stop(_ index: Int) throws {
        guard let replicator = replicators[index] else { return }
        try blockOn { await replicator.stop() }
        replicators[index] = nil
    }

    func stopAll() throws {
        for index in names.indices { try stop(index) }
    }

    func close() throws {
        try stopAll()
        for store in tables { try store.close() }
    }

    /// Operations not yet acknowledged, summed over every running link.
    var behind: UInt64 {
        replicators.compactMap { $0 }.flatMap(\.status).reduce(0) { $0 + $1.behindOperations }
    }

    /// Creates `table` in region 0 and makes it global in every region; waits until every region
    /// holds it.
    func createGlobalTable(_ table: String) throws {
        try tables[0].createTable(CreateTableRequest(
            tableName: table, keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest),
            durability: .synced)
        try tables[0].updateTable(
            UpdateTableRequest(tableName: table, replicaUpdates: names.dropFirst().map { .create(regionName: $0) }), durability: .synced)
        let deadline = ContinuousClock.now + .seconds(30)
        while tables.contains(where: { (try? $0.describeTable(DescribeTableRequest(tableName: table))) == nil }) {
            guard ContinuousClock.now < deadline else { throw BenchmarkFailure("the table did not reach every region") }
            usleep(10_000)
        }
    }

    /// Waits until every running link has everything acknowledged (or `timeout`).
    func settle(timeout: Duration = .seconds(120)) throws {
        let deadline = ContinuousClock.now + timeout
        for store in tables { try store.store.sync() }
        while behind > 0 {
            guard ContinuousClock.now < deadline else { throw BenchmarkFailure("replication did not settle: \(behind) operations behind") }
            usleep(5_000)
        }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, length) }
        }
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
