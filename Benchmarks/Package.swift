// swift-tools-version: 6.1
//
// Tern's benchmarks, a package of their own so the root package's build and tests never pay
// for them (see README.md):
//   tern-bench                      db_bench-style comparison of Tern with RocksDB, LevelDB and
//                                   SQLite (peers loaded at run time with dlopen)
//   tern-bench tables               item workloads: Tern's table layer beside SQLite holding
//                                   the same tables and indexes
//   tern-bench http                 the node over HTTP beside an empty handler and moto
//   tern-bench json                 DynamoDB JSON: TernWire beside Foundation's parsers
//   tern-bench replication          three regions on loopback: lag, throughput, catch-up, anti-entropy
//   Benchmarks/<Target>/<Target>.swift
//                                   package-benchmark micro-benchmarks of engine components
//                                   (`swift package benchmark`)
import PackageDescription

// A path dependency's package identity is its directory's name (the checkout's, e.g. "tern" or a
// worktree's), not the manifest's `name`, so it is computed here.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "tern")

let package = Package(
    name: "TernBenchmarks",
    // Linux only, like the root package (the harness calls Glibc and dlopens Debian's peers).
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // MallocInterposer only: the default RuntimeInterposer trait pulls in a package that is
        // not in the mirror, and ARC metrics crash on Swift 6.3 anyway.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "tern-bench",
            dependencies: [
                .product(name: "TernEngine", package: root),
                .product(name: "TernTables", package: root),
                .product(name: "OITHExample", package: root),
                .product(name: "TernWire", package: root),
                .product(name: "TernRecovery", package: root),
                .product(name: "TernReplication", package: root),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                "CBenchSupport",
            ],
            path: "Sources/TernBench"
        ),
        // The function `--callgrind` toggles collection on (C, so its name survives optimization).
        .target(name: "CBenchSupport", path: "Sources/CBenchSupport"),
        .executableTarget(
            name: "SSTableBenchmarks",
            dependencies: [
                .product(name: "TernEngine", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SSTableBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "MemtableBenchmarks",
            dependencies: [
                .product(name: "TernEngine", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/MemtableBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
