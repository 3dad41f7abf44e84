import Glibc

/// Runs a child process for the crash and damage tests and collects its standard output.
public enum ChildProcess {
    /// How a child ended.
    public struct Outcome: Sendable {
        /// The exit status, when it exited normally.
        public var exitStatus: Int32?
        /// The signal that ended it (a trap is SIGILL or SIGTRAP, a kill SIGKILL).
        public var signal: Int32?
        /// Everything it wrote to standard output.
        public var output: [UInt8]

        /// The output as text.
        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// Starts `executable` with `arguments`, optionally kills it with SIGKILL after
    /// `killAfterMicroseconds`, waits for it, and returns its outcome.
    ///
    /// - Parameters:
    ///   - environment: variables set for the child on top of this process's environment.
    ///   - standardError: whether the child's standard error is collected with its output
    ///     (interleaved) instead of going to this process's.
    public static func run(
        _ executable: String, _ arguments: [String], killAfterMicroseconds: UInt32? = nil, environment: [String: String] = [:],
        standardError: Bool = false
    ) throws -> Outcome {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ChildProcessError(message: "pipe failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        if standardError { posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2) }
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var inherited: [String] = []
        var entry = environ
        while let variable = entry.pointee {
            let text = String(cString: variable)
            let name = text.prefix { $0 != "=" }
            if environment[String(name)] == nil { inherited.append(text) }
            entry += 1
        }
        var envp: [UnsafeMutablePointer<CChar>?] =
            (inherited + environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            throw ChildProcessError(message: "cannot start \(executable): errno \(spawned)")
        }
        if let killAfterMicroseconds {
            usleep(killAfterMicroseconds)
            kill(pid, SIGKILL)
        }
        // Read before waiting: a child blocked on a full pipe would never exit.
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let signal = status & 0x7f
        if signal == 0 { return Outcome(exitStatus: (status >> 8) & 0xff, signal: nil, output: output) }
        return Outcome(exitStatus: nil, signal: signal, output: output)
    }

    /// The path of a sibling executable of the test binary (the package's products are built
    /// next to it), or the path in environment variable `variable` when set.
    public static func siblingExecutable(_ name: String, overriddenBy variable: String) -> String {
        if let path = getenv(variable) { return String(cString: path) }
        let testBinary = CommandLine.arguments[0]
        guard let slash = testBinary.lastIndex(of: "/") else { return name }
        return String(testBinary[..<slash]) + "/" + name
    }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
