/// The engine's only door to storage. Everything the engine persists goes through a `FileSystem`,
/// so tests can swap the POSIX implementation for an in-memory one, or for a fault-injecting one
/// that drops unsynced data, tears the last write or fails the Nth operation.
///
/// Contract (what the engine relies on, and what every implementation must honour):
/// - Data appended to a `WritableFile` is durable only after `sync()` returns.
/// - A created, removed or renamed *name* is durable only after `syncDirectory` of its parent
///   returns (the strict POSIX rule; ext4 is usually kinder, the fault-injecting file system is not).
/// - `rename` atomically replaces the destination.
/// - Errors are thrown as `TernError` (`.ioError`, `.noSpace`, `.notFound`), with the path.
///
/// Thread safety: implementations are safe to call from any thread. A single `WritableFile` is
/// used by one thread at a time (the engine confines each to its writer).
public protocol FileSystem: Sendable {
    /// Creates `path` and its missing parents; succeeds when it exists already.
    func createDirectory(_ path: String) throws
    /// Opens `path` for appending, creating it when missing. `truncate` empties an existing file.
    func openWritable(_ path: String, truncate: Bool) throws -> any WritableFile
    /// Opens an existing `path` for positional reads.
    func openReadable(_ path: String) throws -> any ReadableFile
    /// Whether a file or directory exists at `path`.
    func exists(_ path: String) -> Bool
    /// The size in bytes of the file at `path`.
    func fileSize(_ path: String) throws -> Int
    /// The names (not paths) of the entries of directory `path`, in no particular order.
    func listDirectory(_ path: String) throws -> [String]
    /// Removes the file at `path`.
    func removeFile(_ path: String) throws
    /// Atomically renames `source` to `destination`, replacing it if present.
    func rename(_ source: String, to destination: String) throws
    /// Makes the directory entries of `path` (creations, removals, renames) durable.
    func syncDirectory(_ path: String) throws
    /// Creates a hard link `destination` to the file `source` (checkpoints share immutable files).
    func link(_ source: String, to destination: String) throws
    /// Removes the empty directory at `path`.
    func removeDirectory(_ path: String) throws
    /// Shortens the file at `path` to `length` bytes and makes that durable (recovery cuts a
    /// torn tail off a log it keeps).
    func truncateFile(_ path: String, to length: Int) throws
    /// Takes an exclusive advisory lock on `path` (creating it), failing with `.locked` at once
    /// if any holder, in this process or another, has it.
    func lock(_ path: String) throws -> any FileLock
}

/// An append-only file being written.
public protocol WritableFile: AnyObject, Sendable {
    /// Appends `bytes` at the end of the file.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes every appended byte durable (`fdatasync`). A failure is final for the store.
    func sync() throws
    /// Closes the file. Unsynced data may or may not survive a later crash. The descriptor is
    /// released even when this throws; a second call does nothing.
    func close() throws
}

extension WritableFile {
    /// Appends the bytes of an array.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// A file opened for positional reads. Safe for concurrent readers.
public protocol ReadableFile: AnyObject, Sendable {
    /// The file's size when it was opened.
    var size: Int { get }
    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; returns how many were read,
    /// fewer only at the end of the file.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// The file's `size` bytes mapped read-only into memory, or `nil` when this file system does
    /// not map files (the caller then reads with `read(at:into:)`). Called at most once per
    /// file, for an immutable file (an SSTable); the bytes stay valid until `close()`.
    ///
    /// Reading mapped bytes costs no system call, but an I/O error while the kernel pages them
    /// in, or the file shrinking underneath, raises `SIGBUS` instead of throwing: only files
    /// nothing truncates may be mapped. A test file system that injects read faults must not map.
    func mapIntoMemory() -> UnsafeRawBufferPointer?
    /// Closes the file.
    func close()
}

extension ReadableFile {
    /// Not mapped: the default for file systems without memory mapping.
    public func mapIntoMemory() -> UnsafeRawBufferPointer? { nil }
}

extension ReadableFile {
    /// Reads exactly `count` bytes at `offset`, or throws `.corruption` naming `path` when the
    /// file ends first.
    public func readExactly(at offset: Int, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        guard got == count else {
            throw TernError.corruption(
                "file is truncated: wanted \(count) bytes, found \(got)", file: path, offset: offset)
        }
        return bytes
    }
}

/// A held directory lock; released by `unlock()` (or when the process exits).
public protocol FileLock: AnyObject, Sendable {
    func unlock()
}

extension FileSystem {
    /// Reads a whole file into memory.
    public func readFile(_ path: String) throws -> [UInt8] {
        let file = try openReadable(path)
        defer { file.close() }
        return try file.readExactly(at: 0, count: file.size, path: path)
    }

    /// Copies the file at `source` to a new file at `destination`, in 1 MiB pieces, and syncs it
    /// (the caller syncs the directory when the name must be durable).
    public func copyFile(_ source: String, to destination: String) throws {
        let input = try openReadable(source)
        defer { input.close() }
        let output = try openWritable(destination, truncate: true)
        var isClosed = false
        do {
            var offset = 0
            while offset < input.size {
                let chunk = try input.readExactly(at: offset, count: min(1 << 20, input.size - offset), path: source)
                try output.append(chunk)
                offset += chunk.count
            }
            try output.sync()
            isClosed = true  // before the call: a close that fails has still released the descriptor
            try output.close()
        } catch {
            if !isClosed { try? output.close() }
            throw error
        }
    }

    /// Writes `bytes` to a new file at `path`, syncs it, and makes its name durable: the file is
    /// written under a temporary name and renamed into place, so readers never see a partial file.
    public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temporary = path + ".tmp"
        let file = try openWritable(temporary, truncate: true)
        var isClosed = false
        do {
            try file.append(bytes)
            try file.sync()
            isClosed = true  // before the call: a close that fails has still released the descriptor
            try file.close()
        } catch {
            if !isClosed { try? file.close() }
            try? removeFile(temporary)
            throw error
        }
        try rename(temporary, to: path)
        try syncDirectory(Path.directory(of: path))
    }
}

/// Path helpers over plain strings with `/` separators.
package enum Path {
    /// `directory/name`.
    package static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of `path` (`.` when there is none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    package static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
