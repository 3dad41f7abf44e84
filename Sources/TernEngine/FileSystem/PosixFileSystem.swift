import Glibc
import Synchronization
import SystemPackage

/// The real file system: swift-system's `FileDescriptor` for I/O, Glibc for what swift-system
/// lacks (`fdatasync`, `fsync` of directories, `flock`, `link`, `readdir`).
public struct PosixFileSystem: FileSystem {
    public init() {}

    public func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if Glibc.mkdir(prefix, 0o755) != 0 && Glibc.errno != EEXIST {
                throw PosixFileSystem.error(Glibc.errno, "cannot create directory", prefix)
            }
            prefix += "/"
        }
    }

    public func openWritable(_ path: String, truncate: Bool) throws -> any WritableFile {
        var options: FileDescriptor.OpenOptions = [.create, .append, .closeOnExec]
        if truncate { options.insert(.truncate) }
        let descriptor = try wrap(path, "cannot open for writing") {
            try FileDescriptor.open(
                FilePath(path), .writeOnly, options: options,
                permissions: [.ownerReadWrite, .groupRead, .otherRead], retryOnInterrupt: true)
        }
        return PosixWritableFile(descriptor: descriptor, path: path)
    }

    public func openReadable(_ path: String) throws -> any ReadableFile {
        let descriptor = try wrap(path, "cannot open for reading") {
            try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        }
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else {
            let code = Glibc.errno
            try? descriptor.close()
            throw PosixFileSystem.error(code, "cannot stat", path)
        }
        return PosixReadableFile(descriptor: descriptor, path: path, size: Int(status.st_size))
    }

    public func exists(_ path: String) -> Bool {
        Glibc.access(path, F_OK) == 0
    }

    public func fileSize(_ path: String) throws -> Int {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot stat", path) }
        return Int(status.st_size)
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw PosixFileSystem.error(Glibc.errno, "cannot list", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func removeFile(_ path: String) throws {
        guard Glibc.unlink(path) == 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot remove", path) }
    }

    public func rename(_ source: String, to destination: String) throws {
        guard Glibc.rename(source, destination) == 0 else {
            throw PosixFileSystem.error(Glibc.errno, "cannot rename to \(destination)", source)
        }
    }

    public func syncDirectory(_ path: String) throws {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot open directory", path) }
        defer { Glibc.close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot sync directory", path) }
    }

    public func link(_ source: String, to destination: String) throws {
        guard Glibc.link(source, destination) == 0 else {
            throw PosixFileSystem.error(Glibc.errno, "cannot link to \(destination)", source)
        }
    }

    public func removeDirectory(_ path: String) throws {
        guard Glibc.rmdir(path) == 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot remove directory", path) }
    }

    public func truncateFile(_ path: String, to length: Int) throws {
        let descriptor = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot open for truncation", path) }
        defer { Glibc.close(descriptor) }
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw PosixFileSystem.error(Glibc.errno, "cannot truncate", path)
        }
        guard fdatasync(descriptor) == 0 else { throw PosixFileSystem.error(Glibc.errno, "fdatasync failed", path) }
    }

    public func lock(_ path: String) throws -> any FileLock {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PosixFileSystem.error(Glibc.errno, "cannot open lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = Glibc.errno
            Glibc.close(descriptor)
            if code == EWOULDBLOCK {
                throw TernError(.locked, "the store is already open (in this process or another)", file: path)
            }
            throw PosixFileSystem.error(code, "cannot lock", path)
        }
        return PosixFileLock(descriptor: descriptor)
    }

    static func error(_ code: Int32, _ message: String, _ path: String) -> TernError {
        let text = String(cString: strerror(code))
        switch code {
        case ENOENT: return TernError(.notFound, "\(message): \(text)", file: path, errno: code)
        case ENOSPC, EDQUOT: return TernError(.noSpace, "\(message): \(text)", file: path, errno: code)
        default: return TernError(.ioError, "\(message): \(text)", file: path, errno: code)
        }
    }

    private func wrap<T>(_ path: String, _ message: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as Errno {
            throw PosixFileSystem.error(error.rawValue, message, path)
        }
    }
}

/// Thread safety: immutable after init but for `isClosed` (atomic); the engine confines appends
/// to one thread at a time.
final class PosixWritableFile: WritableFile {
    let descriptor: FileDescriptor
    let path: String
    /// Set by the first `close()`: Linux releases a descriptor even when `close` fails, so a
    /// second `close` could close a number another thread has been given since.
    private let isClosed = Atomic<Bool>(false)

    init(descriptor: FileDescriptor, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        // Glibc directly: this is on every write's path, and a short write or EINTR just loops.
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor.rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if Glibc.errno == EINTR { continue }
                throw PosixFileSystem.error(Glibc.errno, "write failed", path)
            }
            offset += written
        }
    }

    func sync() throws {
        guard fdatasync(descriptor.rawValue) == 0 else {
            throw PosixFileSystem.error(Glibc.errno, "fdatasync failed", path)
        }
    }

    func close() throws {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do { try descriptor.close() } catch let error as Errno {
            throw PosixFileSystem.error(error.rawValue, "close failed", path)
        }
    }
}

/// Thread safety: immutable after init but for the mapping (behind a `Mutex`); `pread` needs no
/// shared file position.
final class PosixReadableFile: ReadableFile {
    let descriptor: FileDescriptor
    let path: String
    let size: Int
    /// The mapping `mapIntoMemory` made (base address as an integer, 0 for none), unmapped by
    /// `close()`.
    private let mapping = Mutex<UInt>(0)

    init(descriptor: FileDescriptor, path: String, size: Int) {
        self.descriptor = descriptor
        self.path = path
        self.size = size
    }

    /// `mmap(PROT_READ, MAP_SHARED)` of the whole file: the page cache's pages themselves, no
    /// copy and no system call per read. `nil` for an empty file or when `mmap` fails (the
    /// caller reads instead).
    func mapIntoMemory() -> UnsafeRawBufferPointer? {
        guard size > 0 else { return nil }
        return mapping.withLock { base -> UnsafeRawBufferPointer? in
            if base == 0 {
                guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor.rawValue, 0),
                      address != MAP_FAILED else { return nil }
                base = UInt(bitPattern: address)
            }
            return UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: base), count: size)
        }
    }

    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buffer.count {
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[total...])
            let got: Int
            do {
                got = try descriptor.read(fromAbsoluteOffset: Int64(offset + total), into: slice, retryOnInterrupt: true)
            } catch let error as Errno {
                throw PosixFileSystem.error(error.rawValue, "read failed", path)
            }
            if got == 0 { break }
            total += got
        }
        return total
    }

    func close() {
        mapping.withLock { base in
            if base != 0 { munmap(UnsafeMutableRawPointer(bitPattern: base), size) }
            base = 0
        }
        try? descriptor.close()
    }
}

/// Thread safety: the descriptor is immutable; `flock` is released by closing it.
final class PosixFileLock: FileLock {
    let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }
}
