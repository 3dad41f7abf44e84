import Glibc
import Synchronization
import TernEngine

/// A file system that fails on purpose: it wraps a `MemoryFileSystem` (whose `crash(_:)` drops
/// unsynced data or tears the last write) and makes the Nth operation of chosen kinds fail with
/// EIO or ENOSPC, once or from then on.
///
/// Thread safety: the fault plan and counters sit behind a `Mutex`.
public final class FaultInjectingFileSystem: FileSystem {
    /// The kinds of operation a fault can target.
    public enum Operation: Sendable, Hashable, CaseIterable {
        case open, append, sync, read, rename, remove, syncDirectory, link, createDirectory, lock, list, truncate
    }

    /// A planned failure.
    public struct Fault: Sendable {
        /// The 1-based index, among operations of `kinds` counted from when the fault was planned,
        /// of the first operation that fails.
        public var nth: Int
        public var kinds: Set<Operation>
        /// `EIO` or `ENOSPC` (reported as `.ioError` or `.noSpace`).
        public var errno: Int32
        /// Keep failing every later operation of `kinds` (a device that went away).
        public var persistent: Bool
        /// For an append: write the first half of the bytes before failing (a short write).
        public var partialAppend: Bool
        /// Only operations on paths ending with this count (e.g. ".sst": tables only).
        public var pathSuffix: String?

        public init(nth: Int, kinds: Set<Operation> = Set(Operation.allCases), errno: Int32 = EIO,
                    persistent: Bool = false, partialAppend: Bool = false, pathSuffix: String? = nil) {
            self.nth = nth
            self.kinds = kinds
            self.errno = errno
            self.persistent = persistent
            self.partialAppend = partialAppend
            self.pathSuffix = pathSuffix
        }
    }

    /// What happened to one file opened for writing: how often it was closed (exactly once is
    /// right; zero is a leaked descriptor, two a descriptor closed twice).
    public struct WritableFileRecord: Sendable {
        public var path: String
        public var closeCount: Int
    }

    struct State {
        var fault: Fault?
        var counted = 0
        var triggered = false
        var operations: [Operation: Int] = [:]
        var directorySyncs: [String] = []
        var writableFiles: [WritableFileRecord] = []
        var beforeSync: (@Sendable (String) -> Void)?
        var beforeRemove: (@Sendable (String) -> Void)?
    }

    /// The simulated disk underneath; call `base.crash(_:)` to simulate a power cut.
    public let base: MemoryFileSystem
    private let state = Mutex(State())

    public init(base: MemoryFileSystem = MemoryFileSystem()) {
        self.base = base
    }

    /// Plans `fault`, replacing any earlier plan and restarting the count.
    public func inject(_ fault: Fault) {
        state.withLock { state in
            state.fault = fault
            state.counted = 0
            state.triggered = false
        }
    }

    /// Every path `syncDirectory` was called on, in order.
    public var directorySyncs: [String] { state.withLock { $0.directorySyncs } }

    /// Every file opened for writing so far, with how often it was closed.
    public var writableFiles: [WritableFileRecord] { state.withLock { $0.writableFiles } }

    /// Runs `hook` (with the file's path) at the start of every file sync, before the fault check:
    /// lets a test act while a sync is in progress. Nil removes it.
    public func setBeforeSync(_ hook: (@Sendable (String) -> Void)?) {
        state.withLock { $0.beforeSync = hook }
    }

    /// Runs `hook` (with the path) before every file removal: lets a test act, or wait, while a
    /// deletion is in progress. Nil removes it.
    public func setBeforeRemove(_ hook: (@Sendable (String) -> Void)?) {
        state.withLock { $0.beforeRemove = hook }
    }

    func recordOpen(_ path: String) -> Int {
        state.withLock { state in
            state.writableFiles.append(WritableFileRecord(path: path, closeCount: 0))
            return state.writableFiles.count - 1
        }
    }

    func recordClose(_ index: Int) {
        state.withLock { $0.writableFiles[index].closeCount += 1 }
    }

    func runBeforeSync(_ path: String) {
        let hook = state.withLock { $0.beforeSync }
        hook?(path)
    }

    /// Removes the planned fault.
    public func clearFault() {
        state.withLock { $0.fault = nil; $0.triggered = false; $0.counted = 0 }
    }

    /// Whether the planned fault has fired.
    public var faultTriggered: Bool { state.withLock { $0.triggered } }

    /// How many operations of each kind ran (for choosing `nth` in sweeps).
    public func operationCount(_ kinds: Set<Operation> = Set(Operation.allCases)) -> Int {
        state.withLock { state in kinds.reduce(0) { $0 + state.operations[$1, default: 0] } }
    }

    /// Counts an operation and throws when the plan says it fails. `path` names the file.
    func check(_ operation: Operation, _ path: String) throws -> Fault? {
        let fired: Fault? = state.withLock { state in
            state.operations[operation, default: 0] += 1
            if operation == .syncDirectory { state.directorySyncs.append(path) }
            guard let fault = state.fault, fault.kinds.contains(operation),
                  fault.pathSuffix.map({ path.hasSuffix($0) }) ?? true else { return nil }
            if state.triggered { return fault.persistent ? fault : nil }
            state.counted += 1
            guard state.counted >= fault.nth else { return nil }
            state.triggered = true
            return fault
        }
        return fired
    }

    static func error(_ fault: Fault, _ operation: Operation, _ path: String) -> TernError {
        let code: TernError.Code = fault.errno == ENOSPC ? .noSpace : .ioError
        return TernError(code, "injected fault in \(operation)", file: path, errno: fault.errno)
    }

    func perform<T>(_ operation: Operation, _ path: String, _ body: () throws -> T) throws -> T {
        if let fault = try check(operation, path) { throw FaultInjectingFileSystem.error(fault, operation, path) }
        return try body()
    }

    // MARK: FileSystem

    public func createDirectory(_ path: String) throws {
        try perform(.createDirectory, path) { try base.createDirectory(path) }
    }

    public func openWritable(_ path: String, truncate: Bool) throws -> any WritableFile {
        try perform(.open, path) {
            let file = try base.openWritable(path, truncate: truncate)
            return FaultWritableFile(owner: self, file: file, path: path, record: recordOpen(path))
        }
    }

    public func openReadable(_ path: String) throws -> any ReadableFile {
        try perform(.open, path) { FaultReadableFile(owner: self, file: try base.openReadable(path), path: path) }
    }

    public func exists(_ path: String) -> Bool { base.exists(path) }

    public func fileSize(_ path: String) throws -> Int { try base.fileSize(path) }

    public func listDirectory(_ path: String) throws -> [String] {
        try perform(.list, path) { try base.listDirectory(path) }
    }

    public func removeFile(_ path: String) throws {
        let hook = state.withLock { $0.beforeRemove }
        hook?(path)
        try perform(.remove, path) { try base.removeFile(path) }
    }

    public func rename(_ source: String, to destination: String) throws {
        try perform(.rename, source) { try base.rename(source, to: destination) }
    }

    public func syncDirectory(_ path: String) throws {
        try perform(.syncDirectory, path) { try base.syncDirectory(path) }
    }

    public func removeDirectory(_ path: String) throws {
        try perform(.remove, path) { try base.removeDirectory(path) }
    }

    public func truncateFile(_ path: String, to length: Int) throws {
        try perform(.truncate, path) { try base.truncateFile(path, to: length) }
    }

    public func link(_ source: String, to destination: String) throws {
        try perform(.link, source) { try base.link(source, to: destination) }
    }

    public func lock(_ path: String) throws -> any FileLock {
        try perform(.lock, path) { try base.lock(path) }
    }
}

final class FaultWritableFile: WritableFile {
    let owner: FaultInjectingFileSystem
    let file: any WritableFile
    let path: String
    /// This file's index in the owner's `writableFiles`.
    let record: Int

    init(owner: FaultInjectingFileSystem, file: any WritableFile, path: String, record: Int) {
        self.owner = owner
        self.file = file
        self.path = path
        self.record = record
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        if let fault = try owner.check(.append, path) {
            if fault.partialAppend && bytes.count > 1 {
                try file.append(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]))
            }
            throw FaultInjectingFileSystem.error(fault, .append, path)
        }
        try file.append(bytes)
    }

    func sync() throws {
        owner.runBeforeSync(path)
        try owner.perform(.sync, path) { try file.sync() }
    }

    func close() throws {
        owner.recordClose(record)
        try file.close()
    }
}

final class FaultReadableFile: ReadableFile {
    let owner: FaultInjectingFileSystem
    let file: any ReadableFile
    let path: String

    init(owner: FaultInjectingFileSystem, file: any ReadableFile, path: String) {
        self.owner = owner
        self.file = file
        self.path = path
    }

    var size: Int { file.size }

    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try owner.perform(.read, path) { try file.read(at: offset, into: buffer) }
    }

    func close() { file.close() }
}

extension FaultInjectingFileSystem {
    /// Simulates the machine stopping under `store`: from now on every operation fails, the
    /// store's threads are stopped (whatever they attempt is lost), then the disk keeps what
    /// `mode` says of its unsynced data. Reopen the store on this file system afterwards.
    public func crash(stopping store: Store, _ mode: MemoryFileSystem.UnsyncedData) {
        inject(Fault(nth: 1, persistent: true))
        try? store.close()
        clearFault()
        base.crash(mode)
    }
}
