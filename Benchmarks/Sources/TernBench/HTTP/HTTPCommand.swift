import ArgumentParser
import Foundation

/// `tern-bench http`: the node over HTTP on loopback beside the same HTTP stack answering an
/// empty handler (the ceiling) and moto's server (the usual local stand-in for DynamoDB), with
/// the same requests, in one run.
struct HTTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-bench http",
        abstract: "The node over HTTP beside an empty handler and moto's server.",
        discussion: """
            Servers (each a child process on a free loopback port, started and stopped in turn):
              tern           tern serve (synced writes, the default)
              tern-buffered  tern serve --durability buffered
              empty          tern serve answering {} on the event loop (the HTTP stack alone)
              empty-pool     tern serve answering {} after the hop to its engine pool
              moto           python3 -m moto.server
            Workloads: getitem (random existing user), putitem (a new user each), query (the latest \
            20 messages of a random conversation), at each --connections count. Closed loop: each \
            connection sends its next request when the last is answered.
            """)

    @Option(help: "The tern binary (release).")
    var tern: String

    @Option(help: "Servers, comma-separated.")
    var servers = "empty,empty-pool,tern,tern-buffered,moto"

    @Option(help: "Connection counts, comma-separated.")
    var connections = "1,16"

    @Option(help: "Seconds measured per workload and connection count.")
    var seconds = 3.0

    @Option(help: "Users preloaded (and messages: 100 in each of users/100 conversations).")
    var users = 2000

    @Option(help: "An already running server answering POST / (name=port), driven with the empty workload; repeatable.")
    var external: [String] = []

    @Option(help: "Also measure synced PutItem at this many connections and report puts per WAL fsync (0: skip).")
    var syncConnections = 8

    func run() throws {
        let counts = connections.split(separator: ",").compactMap { Int($0) }
        var rows: [Row] = []
        print("load average \(loadAverage()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        for server in servers.split(separator: ",").map(String.init) {
            let process = try ServerProcess.start(server, tern: tern)
            defer { process.stop() }
            let workloads = try prepare(server, port: process.port)
            for workload in workloads {
                for count in counts {
                    let result = LoadClient(port: process.port).run(connections: count, seconds: seconds, request: workload.request)
                    let row = Row(server: server, workload: workload.name, connections: count, result: result)
                    print(row.line)
                    rows.append(row)
                }
            }
            if server == "tern", syncConnections > 0, let put = workloads.first(where: { $0.name == "putitem" }) {
                let before = try Metrics.scrape(port: process.port)
                let result = LoadClient(port: process.port).run(connections: syncConnections, seconds: seconds, request: put.request)
                let after = try Metrics.scrape(port: process.port)
                let writes = after.syncedWrites - before.syncedWrites
                let syncs = after.walSyncs - before.walSyncs
                print(String(
                    format: "puts per WAL fsync at %d connections: %.2f (%.0f synced puts, %.0f fsyncs, %.0f req/s)",
                    syncConnections, syncs == 0 ? 0 : writes / syncs, writes, syncs, result.requestsPerSecond))
            }
        }
        for entry in external {
            let parts = entry.split(separator: "=")
            guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--external NAME=PORT") }
            let workload = try prepare("empty", port: port)[0]
            for count in counts {
                let result = LoadClient(port: port).run(connections: count, seconds: seconds, request: workload.request)
                let row = Row(server: String(parts[0]), workload: "empty", connections: count, result: result)
                print(row.line)
                rows.append(row)
            }
        }
        print("load average \(loadAverage()) at the end")
        printRatios(rows, counts: counts)
    }

    struct Row {
        var server: String
        var workload: String
        var connections: Int
        var result: LoadClient.Result

        var line: String {
            server.padding(toLength: 14, withPad: " ", startingAt: 0) + " " + workload.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(
                    format: " %3d conn  %9.0f req/s  p50 %8.1f µs  p99 %8.1f µs  errors %d", connections, result.requestsPerSecond,
                    result.percentile(0.5), result.percentile(0.99), result.errors)
        }
    }

    private func printRatios(_ rows: [Row], counts: [Int]) {
        func rate(_ server: String, _ workload: String, _ count: Int) -> Double? {
            rows.first { $0.server == server && $0.workload == workload && $0.connections == count }?.result.requestsPerSecond
        }
        print("\nratios (requests/s), same run:")
        for count in counts {
            if let get = rate("tern", "getitem", count), let empty = rate("empty", "empty", count) {
                print(String(format: "  GetItem ÷ empty handler (event loop), %2d conn: %.2f  (goal ≥ 0.5)", count, get / empty))
            }
            if let get = rate("tern", "getitem", count), let empty = rate("empty-pool", "empty", count) {
                print(String(format: "  GetItem ÷ empty handler (after the pool hop), %2d conn: %.2f", count, get / empty))
            }
            for workload in ["getitem", "putitem", "query"] {
                guard let moto = rate("moto", workload, count) else { continue }
                for server in ["tern", "tern-buffered"] {
                    guard let tern = rate(server, workload, count) else { continue }
                    print("  \(server) \(workload) ÷ moto, \(count) conn: " + String(format: "%.1f  (goal ≥ 20)", tern / moto))
                }
            }
        }
    }

    private func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}
