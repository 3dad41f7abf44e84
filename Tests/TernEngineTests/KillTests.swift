import Glibc
import Testing
import TernTesting
@testable import TernEngine

/// The real thing: a child process writes `.synced` batches and is killed with SIGKILL at a
/// random moment; the parent reopens the store and checks that it holds a prefix of the batches
/// containing every one the child acknowledged. 50 cycles by default; `TERN_KILL_CYCLES` sets more.
@Suite struct KillTests {
    static var cycles: Int {
        getenv("TERN_KILL_CYCLES").flatMap { Int(String(cString: $0)) } ?? 50
    }

    static var childPath: String {
        ChildProcess.siblingExecutable("tern-crash-writer", overriddenBy: "TERN_CRASH_WRITER")
    }

    @Test func killNineAtRandomMoments() throws {
        var generator = SeededGenerator.fromEnvironment("kill-9")
        let seed = generator.next() % 1_000_000
        let directory = try temporaryDirectory("kill")
        #expect(access(Self.childPath, X_OK) == 0, "child binary missing at \(Self.childPath); run `swift build` first")
        var nextIndex = 0
        var totalAcknowledged = 0
        for cycle in 0..<Self.cycles {
            let delayMicroseconds = UInt32.random(in: 5_000...150_000, using: &generator)
            let acknowledged = try runChild(directory: directory, seed: seed, first: nextIndex, killAfter: delayMicroseconds)
            let lastSynced = acknowledged.last ?? (nextIndex - 1)
            totalAcknowledged += acknowledged.count
            let store = try Store.open(at: directory, options: StoreOptions())
            // The child may have finished one more write than it reported.
            let recovered = try StoreCrashTests.verifyPrefix(
                store, seed: seed, lastSynced: lastSynced, lastAttempted: lastSynced + 1, context: "kill cycle \(cycle)")
            try store.close()
            nextIndex = recovered + 1
        }
        print("[kill-9] \(Self.cycles) cycles, \(totalAcknowledged) acknowledged synced batches, all recovered")
        #expect(totalAcknowledged > 0)
    }

    /// Starts the child, kills it after `killAfter` µs, and returns the batch indexes it
    /// acknowledged (in order).
    private func runChild(directory: String, seed: UInt64, first: Int, killAfter: UInt32) throws -> [Int] {
        let outcome = try ChildProcess.run(
            Self.childPath, [directory, String(seed), String(first)], killAfterMicroseconds: killAfter)
        let lines = outcome.text.split(separator: "\n")
        // Only complete lines count: a number cut off by the kill was not fully reported.
        let complete = outcome.output.last == UInt8(ascii: "\n") ? lines : lines.dropLast()
        return complete.compactMap { Int($0) }
    }
}
