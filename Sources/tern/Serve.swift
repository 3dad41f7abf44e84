import ArgumentParser
import Logging
import ServiceLifecycle
import TernEngine
import TernServer

#if canImport(Glibc)
import Glibc
#endif

/// `tern serve`: one node speaking DynamoDB's wire protocol over a store directory.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a node: the DynamoDB API (JSON 1.0 over HTTP/1.1), /health and /metrics.",
        discussion: """
            Tools that speak DynamoDB (boto3, the AWS CLI, any AWS SDK) work against the node with \
            their endpoint set to http://HOST:PORT. Tern's geohash radius query is the operation \
            Tern_20261201.Nearby (see docs/server.md). SIGTERM or SIGINT drains: the node stops \
            accepting, finishes requests in flight, closes the store; a second signal exits at once. \
            With --archive the node keeps a continuous archive of its store (point-in-time \
            recovery): UpdateContinuousBackups, DescribeContinuousBackups and \
            RestoreTableToPointInTime work, and `tern restore` rebuilds the store from the \
            archive (docs/recovery.md).
            """)

    @Option(name: .customLong("data"), help: "The store directory (created when missing).")
    var dataDirectory: String

    @Option(name: .customLong("http"), help: "The address to listen on, HOST:PORT.")
    var http = "127.0.0.1:8000"

    @Option(help: "The region this node serves (named in table ARNs).")
    var region = "local"

    @Option(help: "synced: a 200 means the write is on disk (as DynamoDB); buffered: faster, a power cut may lose the last acknowledged writes.")
    var durability = "synced"

    @Option(help: "A file of access key ids and secrets (one pair a line, separated by whitespace). Requests must then carry a valid AWS Signature V4. Without it every request is accepted.")
    var credentials: String?

    @Option(help: "Continuous archive directory for point-in-time recovery (another disk, ideally). Without it, backups are unavailable.")
    var archive: String?

    @Option(help: "How far back the archive can restore, in days (at least 1/24: one hour).")
    var archiveRetentionDays: Double = 7

    @Option(help: "How often new writes are shipped to the archive, in seconds (the recovery point).")
    var archiveIntervalSeconds: Double = 1

    @Option(help: "Throttle: read requests per second per table (token bucket; off unless given).")
    var throttleReadsPerSecond: Double?

    @Option(help: "Throttle: write requests per second per table (token bucket; off unless given).")
    var throttleWritesPerSecond: Double?

    @Option(help: "Throttle: seconds of unused rate a table's bucket may save up.")
    var throttleBurstSeconds: Double = 1

    @Option(help: "Threads running writes (and their fsync waits); concurrent synced writers share fsyncs up to this many.")
    var engineThreads = 16

    @Option(help: "Threads running reads, /health and /metrics (default: one per core).")
    var readThreads: Int?

    @Option(help: "The largest request body accepted, in bytes.")
    var maxBodyBytes = 16 * 1024 * 1024

    @Option(help: "Replicate global tables with other regions: listen for peers on HOST:PORT (a port of its own). Needs --secret-file.")
    var replication: String?

    @Option(name: .customLong("peer"), help: "Another region's node, NAME=HOST:PORT (its --region and --replication address). Repeat for every region.")
    var peers: [String] = []

    @Option(help: "A file holding the cluster secret every region's node shares (at least 16 bytes; trailing newlines ignored). Peers prove they know it (HMAC-SHA256).")
    var secretFile: String?

    @Option(help: "Replication: refuse stamps more than this many milliseconds ahead of the local clock.")
    var maxClockSkewMilliseconds = 500

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: .hidden)
    var benchmarkEmptyResponder: NodeConfiguration.EmptyResponder?

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tern.serve")
        let configuration: NodeConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            fail("\(error)")
        }
        let node: Node
        do {
            node = try await Node.start(configuration, logger: logger)
        } catch {
            fail("\(error)")
        }
        let group = ServiceGroup(services: [node], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    private func makeConfiguration() throws -> NodeConfiguration {
        guard let colon = http.lastIndex(of: ":"), let port = Int(http[http.index(after: colon)...]), (0...65535).contains(port)
        else {
            throw ValidationError("--http must be HOST:PORT (got '\(http)')")
        }
        var host = String(http[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let durabilityValue: Durability
        switch durability {
        case "synced": durabilityValue = .synced
        case "buffered": durabilityValue = .buffered
        default: throw ValidationError("--durability must be synced or buffered (got '\(durability)')")
        }
        var keys: Credentials?
        if let credentials {
            guard let text = readFile(credentials) else { throw ValidationError("--credentials: cannot read \(credentials)") }
            do {
                keys = try Credentials(parsing: text)
            } catch {
                throw ValidationError("--credentials \(credentials): \(error)")
            }
        }
        var throttle: ThrottleConfiguration?
        if throttleReadsPerSecond != nil || throttleWritesPerSecond != nil {
            throttle = ThrottleConfiguration(
                readsPerSecond: throttleReadsPerSecond ?? .infinity, writesPerSecond: throttleWritesPerSecond ?? .infinity,
                burstSeconds: throttleBurstSeconds)
        }
        var configuration = NodeConfiguration(
            dataDirectory: dataDirectory, host: host, port: port, region: region, durability: durabilityValue,
            credentials: keys, throttle: throttle, maxBodyBytes: maxBodyBytes, engineThreads: max(1, engineThreads))
        if let readThreads { configuration.readThreads = max(1, readThreads) }
        configuration.emptyResponder = benchmarkEmptyResponder
        configuration.archiveDirectory = archive
        guard archiveRetentionDays * 24 >= 1, archiveIntervalSeconds > 0 else {
            throw ValidationError("--archive-retention-days must be at least 1/24 (one hour), --archive-interval-seconds positive")
        }
        configuration.archiveOptions.retention = .milliseconds(Int64(archiveRetentionDays * 86_400_000))
        configuration.archiveOptions.archiveInterval = .milliseconds(Int64(archiveIntervalSeconds * 1000))
        configuration.archiveOptions.logger = Logger(label: "tern.archive")
        configuration.replication = try replicationConfiguration()
        return configuration
    }

    private func fail(_ message: String) -> Never {
        StandardError.write("tern serve: \(message)\n")
        Glibc.exit(1)
    }

    func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }
}

extension NodeConfiguration.EmptyResponder: ExpressibleByArgument {}
