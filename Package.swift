// swift-tools-version: 6.1
//
// Tern: an embedded, log-structured table store for Swift.
// Module layering (arrows point down only, see docs/engine.md):
//   tern (CLI) -> TernServer -> TernWire -> TernTables -> TernEngine -> CLZ4, CTernSupport
//   TernClient (the remote TableService: async-http-client) -> TernWire, TernSigV4
//   TernSigV4 (SigV4's canonical request and signing key, swift-crypto) <- TernServer, TernClient
//   TernTesting is test support (fault-injecting file system, seeded RNG, models).
//   TernWire (DynamoDB JSON, no NIO) is what a remote client shares with the node; the server
//   dependencies (NIO, metrics, lifecycle, crypto) stay in TernServer; the client's
//   (async-http-client) in TernClient, so an embedding service that does not use it does not
//   build or link it.
//   OITHExample: an application's schemas, used by the demo and the benchmarks.
//
// Platforms: Linux (glibc) only, which is what CI builds and tests (Debian 12, Swift 6.3).
// TernEngine and TernTables reach the C library through Sources/TernEngine/Platform/Platform.swift
// (threads, locks, clocks, sleeping) and the POSIX file system, PosixFileSystem.swift;
// TernRecovery, TernReplication, the server, the client, test support, the CLI and the
// crash-test child still import Glibc themselves. A port starts there, and on macOS would need
// `platforms: [.macOS(.v15)]` for Synchronization's Mutex and Atomic.
import PackageDescription

let package = Package(
    name: "Tern",
    products: [
        .library(name: "TernEngine", targets: ["TernEngine"]),
        .library(name: "TernTables", targets: ["TernTables"]),
        .library(name: "TernRecovery", targets: ["TernRecovery"]),
        .library(name: "TernWire", targets: ["TernWire"]),
        .library(name: "TernReplication", targets: ["TernReplication"]),
        .library(name: "TernServer", targets: ["TernServer"]),
        .library(name: "TernClient", targets: ["TernClient"]),
        .library(name: "OITHExample", targets: ["OITHExample"]),
        .executable(name: "tern", targets: ["tern"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .target(name: "CTernSupport"),
        .target(
            name: "TernEngine",
            dependencies: [
                "CLZ4",
                "CTernSupport",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                // CoreMetrics only: the Metrics module imports Foundation.
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "TernTesting", dependencies: ["TernEngine"]),
        // The child process of the kill -9 crash test (see Tests/TernEngineTests/KillTests.swift).
        .executableTarget(name: "tern-crash-writer", dependencies: ["TernEngine", "TernRecovery", "TernTesting"]),
        .target(
            name: "TernTables",
            dependencies: [
                "TernEngine", .product(name: "CoreMetrics", package: "swift-metrics"),
                // The elementary functions (sin, asin, ...) without importing the C library.
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // An application's schemas, as an example of using the library (the demo and the
        // benchmarks use them).
        .target(name: "OITHExample", dependencies: ["TernTables"]),
        .target(
            name: "TernRecovery",
            dependencies: ["TernEngine", "TernTables", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "TernWire", dependencies: ["TernTables"]),
        // AWS Signature Version 4: what the node's verifier and the client's signer share.
        .target(name: "TernSigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The remote TableService: any DynamoDB-API endpoint over HTTP (a Tern node, DynamoDB,
        // ScyllaDB Alternator).
        .target(
            name: "TernClient",
            dependencies: [
                "TernEngine",
                "TernTables",
                "TernWire",
                "TernSigV4",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Global-table replication: a library a service attaches to its TableStore (and that
        // `tern serve` hosts). NIO for the peer links, swift-crypto for the handshake's HMAC,
        // CoreMetrics only (the Metrics module imports Foundation).
        .target(
            name: "TernReplication",
            dependencies: [
                "TernEngine",
                "TernTables",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "TernServer",
            dependencies: [
                "TernEngine",
                "TernTables",
                "TernReplication",
                "TernWire",
                "TernRecovery",
                "TernSigV4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "tern",
            dependencies: [
                "TernEngine",
                "TernTables",
                "TernWire",
                "TernServer",
                "TernClient",
                "TernRecovery",
                "OITHExample",
                "TernReplication",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The README's snippets, compiled and run by Tests/TernTablesTests/DocumentationTests.swift.
        .executableTarget(
            name: "readme-snippets", dependencies: ["TernEngine", "TernTables", "TernRecovery"], path: "Examples/ReadmeSnippets"),
        // The README's remote-client snippet ("One API, two backends"), apart from the others
        // because it links async-http-client (and Foundation), which readme-snippets must not.
        .executableTarget(
            name: "client-snippets", dependencies: ["TernEngine", "TernTables", "TernClient"], path: "Examples/ClientSnippets"),
        .testTarget(
            name: "TernEngineTests",
            dependencies: [
                "TernEngine", "TernTesting", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "TernTablesTests",
            dependencies: [
                "TernTables", "TernTesting", "OITHExample", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "TernReplicationTests",
            dependencies: [
                "TernReplication", "TernTables", "TernEngine", "TernTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        // Runs the built `tern` (the main job, shortened).
        .testTarget(name: "TernCLITests", dependencies: ["TernTesting"]),
        .testTarget(name: "TernRecoveryTests", dependencies: ["TernRecovery", "TernTables", "TernEngine", "TernTesting"]),
        .testTarget(name: "TernWireTests", dependencies: ["TernWire", "TernTables", "TernTesting"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TernServerTests",
            dependencies: [
                "TernServer", "TernWire", "TernTables", "TernEngine", "TernTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TernClientTests",
            dependencies: [
                "TernClient", "TernSigV4", "TernServer", "TernWire", "TernTables", "TernEngine", "TernTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
