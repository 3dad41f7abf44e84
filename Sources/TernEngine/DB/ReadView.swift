/// Everything a read needs, captured at once: the active and immutable memtables and the
/// current file set. Immutable; the store swaps in a new one (under a short lock) whenever any
/// part changes, and a reader holding one keeps all of it alive.
final class ReadView: Sendable {
    let memtable: Memtable
    let immutable: Memtable?
    let version: Version

    init(memtable: Memtable, immutable: Memtable?, version: Version) {
        self.memtable = memtable
        self.immutable = immutable
        self.version = version
    }
}

/// A consistent point-in-time view for reads: every read through it sees exactly the batches
/// committed up to its sequence number, however much is written afterwards.
public final class ReadSnapshot: Sendable {
    public let sequence: SequenceNumber
    private let release: @Sendable () -> Void

    init(sequence: SequenceNumber, release: @escaping @Sendable () -> Void) {
        self.sequence = sequence
        self.release = release
    }

    deinit { release() }
}
