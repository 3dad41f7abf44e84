import Synchronization

/// An in-memory file system that models what survives a power failure.
///
/// Files are inodes with content and a *synced length*: `sync()` makes the current content
/// durable. Names live in a namespace; `syncDirectory` makes the names under that directory
/// durable. `crash(_:)` then does what a power cut does: the namespace reverts to its durable
/// state and every file loses (all or part of) what was appended after its last sync. Open
/// handles from before a crash are dead: using them throws.
///
/// Files are append-only, which is all the engine writes.
///
/// Thread safety: all state sits behind one `Mutex`.
public final class MemoryFileSystem: FileSystem {
    /// What happens to the unsynced tail of each file in `crash(_:)`.
    public enum UnsyncedData: Sendable {
        /// Power loss with nothing of the tail on disk.
        case dropped
        /// A process kill: the operating system keeps every written byte.
        case kept
        /// Power loss part-way through writing the tail: each file keeps a prefix of its unsynced
        /// bytes whose length is chosen by `keep(unsyncedCount)` (a torn last write).
        case torn(keep: @Sendable (Int) -> Int)
        /// Power loss after the page cache wrote back part of the tail out of order: the file
        /// keeps its length, but each 4 KiB page (by index in the file) holding unsynced bytes
        /// for which `isLost` answers true reads as zeros from its first unsynced byte on.
        case lostPages(isLost: @Sendable (Int) -> Bool)
    }

    /// The page size of `UnsyncedData.lostPages`.
    public static let pageSize = 4096

    struct Inode {
        var bytes: [UInt8] = []
        var syncedLength = 0
    }

    struct State {
        var inodes: [Int: Inode] = [:]
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var directories: Set<String> = ["/", "."]
        var locks: Set<String> = []
        var nextInode = 1
        /// Bumped by every crash; handles opened in an earlier generation are dead.
        var generation = 0
    }

    let state = Mutex(State())

    public init() {}

    // MARK: FileSystem

    public func createDirectory(_ path: String) throws {
        let normalized = MemoryFileSystem.normalize(path)
        state.withLock { state in
            var prefix = ""
            for component in normalized.split(separator: "/") {
                prefix = prefix.isEmpty ? (normalized.hasPrefix("/") ? "/" : "") + component : prefix + "/" + component
                state.directories.insert(prefix)
            }
        }
    }

    public func openWritable(_ path: String, truncate: Bool) throws -> any WritableFile {
        let path = MemoryFileSystem.normalize(path)
        return try state.withLock { state in
            guard state.directories.contains(Path.directory(of: path)) else {
                throw TernError(.notFound, "no such directory", file: path)
            }
            let inode: Int
            if let existing = state.names[path] {
                inode = existing
                if truncate { state.inodes[inode] = Inode() }
            } else {
                inode = state.nextInode
                state.nextInode += 1
                state.inodes[inode] = Inode()
                state.names[path] = inode
            }
            return MemoryWritableFile(fileSystem: self, inode: inode, generation: state.generation, path: path)
        }
    }

    public func openReadable(_ path: String) throws -> any ReadableFile {
        let path = MemoryFileSystem.normalize(path)
        return try state.withLock { state in
            guard let inode = state.names[path] else { throw TernError(.notFound, "no such file", file: path) }
            return MemoryReadableFile(
                fileSystem: self, inode: inode, generation: state.generation, path: path,
                size: state.inodes[inode]!.bytes.count)
        }
    }

    public func exists(_ path: String) -> Bool {
        let path = MemoryFileSystem.normalize(path)
        return state.withLock { $0.names[path] != nil || $0.directories.contains(path) }
    }

    public func fileSize(_ path: String) throws -> Int {
        let path = MemoryFileSystem.normalize(path)
        return try state.withLock { state in
            guard let inode = state.names[path] else { throw TernError(.notFound, "no such file", file: path) }
            return state.inodes[inode]!.bytes.count
        }
    }

    public func listDirectory(_ path: String) throws -> [String] {
        let directory = MemoryFileSystem.normalize(path)
        return try state.withLock { state in
            guard state.directories.contains(directory) else { throw TernError(.notFound, "no such directory", file: path) }
            var names = state.names.keys.filter { Path.directory(of: $0) == directory }.map { Path.name(of: $0) }
            names += state.directories.filter { $0 != directory && Path.directory(of: $0) == directory }.map { Path.name(of: $0) }
            return names
        }
    }

    public func removeFile(_ path: String) throws {
        let path = MemoryFileSystem.normalize(path)
        try state.withLock { state in
            guard state.names.removeValue(forKey: path) != nil else {
                throw TernError(.notFound, "no such file", file: path)
            }
            MemoryFileSystem.collectGarbage(&state)
        }
    }

    public func rename(_ source: String, to destination: String) throws {
        let source = MemoryFileSystem.normalize(source)
        let destination = MemoryFileSystem.normalize(destination)
        try state.withLock { state in
            guard let inode = state.names.removeValue(forKey: source) else {
                throw TernError(.notFound, "no such file", file: source)
            }
            state.names[destination] = inode
            MemoryFileSystem.collectGarbage(&state)
        }
    }

    public func syncDirectory(_ path: String) throws {
        let directory = MemoryFileSystem.normalize(path)
        state.withLock { state in
            for (name, _) in state.durableNames where Path.directory(of: name) == directory {
                state.durableNames[name] = nil
            }
            for (name, inode) in state.names where Path.directory(of: name) == directory {
                state.durableNames[name] = inode
            }
            MemoryFileSystem.collectGarbage(&state)
        }
    }

    public func removeDirectory(_ path: String) throws {
        let path = MemoryFileSystem.normalize(path)
        try state.withLock { state in
            guard state.directories.contains(path) else { throw TernError(.notFound, "no such directory", file: path) }
            let prefix = path + "/"
            guard !state.names.keys.contains(where: { $0.hasPrefix(prefix) }),
                  !state.directories.contains(where: { $0.hasPrefix(prefix) }) else {
                throw TernError(.ioError, "directory not empty", file: path)
            }
            state.directories.remove(path)
        }
    }

    public func truncateFile(_ path: String, to length: Int) throws {
        let path = MemoryFileSystem.normalize(path)
        try state.withLock { state in
            guard let inode = state.names[path], var file = state.inodes[inode] else {
                throw TernError(.notFound, "no such file", file: path)
            }
            if length < file.bytes.count { file.bytes.removeLast(file.bytes.count - length) }
            file.syncedLength = file.bytes.count
            state.inodes[inode] = file
        }
    }

    public func link(_ source: String, to destination: String) throws {
        let source = MemoryFileSystem.normalize(source)
        let destination = MemoryFileSystem.normalize(destination)
        try state.withLock { state in
            guard let inode = state.names[source] else { throw TernError(.notFound, "no such file", file: source) }
            guard state.names[destination] == nil else {
                throw TernError(.ioError, "link destination exists", file: destination)
            }
            state.names[destination] = inode
        }
    }

    public func lock(_ path: String) throws -> any FileLock {
        let path = MemoryFileSystem.normalize(path)
        return try state.withLock { state in
            guard state.locks.insert(path).inserted else {
                throw TernError(.locked, "the store is already open (in this process or another)", file: path)
            }
            if state.names[path] == nil {
                state.names[path] = state.nextInode
                state.inodes[state.nextInode] = Inode()
                state.nextInode += 1
            }
            return MemoryFileLock(fileSystem: self, path: path)
        }
    }

    // MARK: Simulation

    /// Simulates a crash: names revert to their durable state, each file keeps its synced bytes
    /// plus what `unsynced` says of the rest, locks are released, and open handles die.
    public func crash(_ unsynced: UnsyncedData) {
        state.withLock { state in
            state.generation += 1
            state.locks.removeAll()
            state.names = state.durableNames
            for (inode, var file) in state.inodes {
                let tail = file.bytes.count - file.syncedLength
                switch unsynced {
                case .kept: break
                case .dropped: file.bytes.removeLast(tail)
                case .torn(let keep):
                    let kept = max(0, min(tail, keep(tail)))
                    file.bytes.removeLast(tail - kept)
                case .lostPages(let isLost):
                    guard tail > 0 else { break }
                    for page in (file.syncedLength / Self.pageSize)...((file.bytes.count - 1) / Self.pageSize) where isLost(page) {
                        let start = max(page * Self.pageSize, file.syncedLength)
                        let end = min((page + 1) * Self.pageSize, file.bytes.count)
                        for index in start..<end { file.bytes[index] = 0 }
                    }
                }
                file.syncedLength = file.bytes.count
                state.inodes[inode] = file
            }
            MemoryFileSystem.collectGarbage(&state)
        }
    }

    /// The current bytes of the file at `path` (for tests that corrupt or inspect files).
    public func contents(of path: String) throws -> [UInt8] {
        try readFile(path)
    }

    /// Replaces the content of `path` in place, durably (for corruption tests).
    public func overwrite(_ path: String, with bytes: [UInt8]) throws {
        let path = MemoryFileSystem.normalize(path)
        try state.withLock { state in
            guard let inode = state.names[path] else { throw TernError(.notFound, "no such file", file: path) }
            state.inodes[inode] = Inode(bytes: bytes, syncedLength: bytes.count)
        }
    }

    /// Bytes appended but not yet synced, over all files (tests use it to check durability claims).
    public var unsyncedByteCount: Int {
        state.withLock { state in state.inodes.values.reduce(0) { $0 + $1.bytes.count - $1.syncedLength } }
    }

    // MARK: Internals for the handles

    func withInode<T>(_ inode: Int, generation: Int, path: String, _ body: (inout Inode) throws -> T) throws -> T {
        try state.withLock { state in
            // Taken out of the dictionary while mutated, so appending does not copy the bytes.
            guard state.generation == generation, var file = state.inodes.removeValue(forKey: inode) else {
                throw TernError(.ioError, "file handle is stale (the file system crashed)", file: path)
            }
            defer { state.inodes[inode] = file }
            return try body(&file)
        }
    }

    func release(lock path: String) {
        _ = state.withLock { $0.locks.remove(path) }
    }

    /// Drops inodes no name (current or durable) refers to. Open handles of a removed file keep
    /// working in real POSIX; the engine never reads a file after removing it, so dropping is fine.
    private static func collectGarbage(_ state: inout State) {
        let live = Set(state.names.values).union(state.durableNames.values)
        for inode in state.inodes.keys where !live.contains(inode) {
            state.inodes[inode] = nil
        }
    }

    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return absolute ? "/" : "." }
        return (absolute ? "/" : "") + components.joined(separator: "/")
    }
}

final class MemoryWritableFile: WritableFile {
    let fileSystem: MemoryFileSystem
    let inode: Int
    let generation: Int
    let path: String

    init(fileSystem: MemoryFileSystem, inode: Int, generation: Int, path: String) {
        self.fileSystem = fileSystem
        self.inode = inode
        self.generation = generation
        self.path = path
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try fileSystem.withInode(inode, generation: generation, path: path) { $0.bytes.append(contentsOf: bytes) }
    }

    func sync() throws {
        try fileSystem.withInode(inode, generation: generation, path: path) { $0.syncedLength = $0.bytes.count }
    }

    func close() throws {}
}

final class MemoryReadableFile: ReadableFile {
    let fileSystem: MemoryFileSystem
    let inode: Int
    let generation: Int
    let path: String
    let size: Int

    init(fileSystem: MemoryFileSystem, inode: Int, generation: Int, path: String, size: Int) {
        self.fileSystem = fileSystem
        self.inode = inode
        self.generation = generation
        self.path = path
        self.size = size
    }

    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try fileSystem.withInode(inode, generation: generation, path: path) { file in
            guard offset < file.bytes.count else { return 0 }
            let count = min(buffer.count, file.bytes.count - offset)
            file.bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
            }
            return count
        }
    }

    func close() {}
}

final class MemoryFileLock: FileLock {
    let fileSystem: MemoryFileSystem
    let path: String

    init(fileSystem: MemoryFileSystem, path: String) {
        self.fileSystem = fileSystem
        self.path = path
    }

    func unlock() {
        fileSystem.release(lock: path)
    }
}
