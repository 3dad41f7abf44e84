/// How a write must be persisted before the call returns. Every write names one: there is no
/// default, because a hidden default is how durability bugs are born.
public enum Durability: Sendable {
    /// Returns after the batch is in the WAL and `fdatasync`ed. Survives a power cut.
    /// Concurrent synced writers share one sync (group commit).
    case synced
    /// Returns after the batch is handed to the operating system. A crash may lose a suffix of
    /// buffered batches (never a batch in the middle), a process kill loses nothing.
    case buffered
}

/// Settings of a store, fixed when it is opened.
public struct StoreOptions: Sendable {
    /// Where the store's files live. Tests substitute `MemoryFileSystem` or a fault injector.
    public var fileSystem: any FileSystem = PosixFileSystem()
    /// Create the directory and an empty store when none exists.
    public var createIfMissing = true
    /// Refuse to open an existing store.
    public var errorIfExists = false
    /// Memtable budget: when the active memtable holds this many bytes, it turns immutable and is
    /// flushed to an SSTable in the background.
    public var memtableBudgetBytes = 8 << 20
    /// Target uncompressed size of an SSTable data block.
    public var blockSizeBytes = 4096
    /// Compression of SSTable data blocks.
    public var compression: SSTableCompression = .lz4
    /// Bloom filter bits per key (about 1% false positives at 10).
    public var bloomBitsPerKey = 10

    public init() {}
}
