// swift-tools-version: 6.1
//
// Tern: an embedded, log-structured table store for Swift.
// Module layering (arrows point down only, see docs/engine.md):
//   tern (CLI) -> TernTables -> TernEngine -> CLZ4, CTernSupport
//   OITHExample: an application's schemas, used by the demo and the benchmarks.
//   TernTesting is test support (fault-injecting file system, seeded RNG, models).
//
// Platforms: Linux (glibc) only, which is what CI builds and tests (Debian 12, Swift 6.3).
// The C library is reached from two files, Sources/TernEngine/Platform/Platform.swift and
// Sources/TernEngine/FileSystem/PosixFileSystem.swift (test support and the crash-test child
// use it directly); a port starts there, and on macOS would need `platforms: [.macOS(.v15)]`
// for Synchronization's Mutex and Atomic.
import PackageDescription

let package = Package(
    name: "Tern",
    products: [
        .library(name: "TernEngine", targets: ["TernEngine"]),
        .library(name: "TernTables", targets: ["TernTables"]),
        .library(name: "OITHExample", targets: ["OITHExample"]),
        .executable(name: "tern", targets: ["tern"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
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
        .executableTarget(name: "tern-crash-writer", dependencies: ["TernEngine", "TernTesting"]),
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
        .executableTarget(
            name: "tern",
            dependencies: [
                "TernEngine",
                "TernTables",
                "OITHExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The README's snippets, compiled and run by Tests/TernTablesTests/ReadmeTests.swift.
        .executableTarget(name: "readme-snippets", dependencies: ["TernEngine", "TernTables"], path: "Examples/ReadmeSnippets"),
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
    ]
)
