import ArgumentParser
import Glibc
import TernEngine

/// `tern demo`: the main job on an embedded store (see README).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write OITH Users rows into a store, reopen it, verify every row, print the figures.",
        discussion: """
            Creates (or reuses) the data folder, writes --users rows shaped like the matching \
            service's Users table (one batch of --batch rows per synced write), closes and \
            reopens the store, reads every row back and compares it byte for byte.
            """)

    @Option(name: .long, help: "The data folder (created when missing).")
    var data: String = "tern-data"

    @Option(name: .long, help: "How many user rows to write.")
    var users: Int = 100_000

    @Option(name: .long, help: "Rows per write batch (each batch is one synced write).")
    var batch: Int = 100

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
    }

    func run() throws {
        let directory = Path.join(data, "users-engine")
        print("tern demo: store at \(directory)")
        var store = try Store.open(at: directory, options: StoreOptions())

        let writeStart = ContinuousClock.now
        var pending = WriteBatch()
        for index in 0..<users {
            let row = DemoUser(index: index)
            pending.put(row.key, row.encoded)
            if pending.count == batch || index == users - 1 {
                try store.write(pending, durability: .synced)
                pending.removeAll()
            }
        }
        let writeSeconds = seconds(ContinuousClock.now - writeStart)
        print("wrote   \(users) users in \(format(writeSeconds)) s  (\(format(Double(users) / writeSeconds)) rows/s, synced batches of \(batch))")

        try store.close()
        let reopenStart = ContinuousClock.now
        store = try Store.open(at: directory, options: StoreOptions())
        print("reopened in \(format(seconds(ContinuousClock.now - reopenStart) * 1000)) ms")

        let readStart = ContinuousClock.now
        var mismatches = 0
        for index in 0..<users {
            let row = DemoUser(index: index)
            if try store.get(row.key) != row.encoded { mismatches += 1 }
        }
        let readSeconds = seconds(ContinuousClock.now - readStart)
        print("verified \(users - mismatches)/\(users) users in \(format(readSeconds)) s  (\(format(Double(users) / readSeconds)) gets/s)")
        let statistics = store.statistics
        print("levels  files \(statistics.levelFileCounts)  bytes \(statistics.levelSizesBytes)")
        try store.close()
        if mismatches > 0 {
            print("FAILED: \(mismatches) rows did not read back as written")
            throw ExitCode.failure
        }
    }
}

/// A synthetic row of the OITH Users table: email key, profile fields, coordinates.
struct DemoUser {
    static let cities: [(name: String, latitude: Double, longitude: Double)] = [
        ("New York", 40.7128, -74.0060), ("London", 51.5074, -0.1278), ("Tokyo", 35.6762, 139.6503),
        ("São Paulo", -23.5505, -46.6333), ("Sydney", -33.8688, 151.2093), ("Lagos", 6.5244, 3.3792),
    ]

    let key: [UInt8]
    let encoded: [UInt8]

    init(index: Int) {
        let city = DemoUser.cities[index % DemoUser.cities.count]
        // Deterministic spread of ±0.5° around the city.
        let jitter = Double((index &* 2_654_435_761) % 1000) / 1000.0 - 0.5
        let age = 18 + (index &* 7919) % 50
        key = Array("user\(index)@example.com".utf8)
        encoded = Array("""
            {"email":"user\(index)@example.com","name":"User \(index)","age":\(age),\
            "gender":"\(index % 2 == 0 ? "F" : "M")","city":"\(city.name)",\
            "lat":\(city.latitude + jitter),"lon":\(city.longitude - jitter),\
            "bio":"Likes hiking, coffee and long walks \(index)"}
            """.utf8)
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double) -> String {
    if value >= 100 { return String(Int(value.rounded())) }
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
