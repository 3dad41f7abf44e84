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
        if let path = getenv("TERN_CRASH_WRITER") { return String(cString: path) }
        return Path.join(Path.directory(of: CommandLine.arguments[0]), "tern-crash-writer")
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
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw TernError(.ioError, "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let arguments = [Self.childPath, directory, String(seed), String(first)]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, Self.childPath, &actions, nil, &argv, environ)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            throw TernError(.ioError, "cannot start \(Self.childPath)", errno: spawned)
        }
        usleep(killAfter)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(pipeEnds[0])
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        // Only complete lines count: a number cut off by the kill was not fully reported.
        let complete = output.last == UInt8(ascii: "\n") ? lines : lines.dropLast()
        return complete.compactMap { Int($0) }
    }
}
