import Synchronization

/// Bump allocation for memtable entries: large chunks, never moved or freed until the arena dies,
/// so readers can hold raw pointers into it without locks.
///
/// Thread safety: `allocate` is called by the single memtable writer; `memoryUsage` may be read
/// from any thread.
final class Arena: Sendable {
    static let chunkSize = 1 << 20

    /// Guarded by the memtable's single-writer rule: only the writer touches it.
    private nonisolated(unsafe) var chunks: [UnsafeMutableRawPointer] = []
    private nonisolated(unsafe) var cursor: UnsafeMutableRawPointer?
    private nonisolated(unsafe) var remaining = 0
    private let used = Atomic<Int>(0)
    private let reserved = Atomic<Int>(0)

    /// Bytes handed out so far: what the memtable budget counts. The arena holds at most one
    /// partly used chunk beyond this.
    var memoryUsage: Int { used.load(ordering: .relaxed) }

    /// Bytes reserved from the system.
    var reservedBytes: Int { reserved.load(ordering: .relaxed) }

    /// Returns `size` bytes aligned to 8, zero-filled.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let rounded = (size + 7) & ~7
        used.wrappingAdd(rounded, ordering: .relaxed)
        if rounded > remaining {
            // Entries larger than a quarter chunk get their own allocation, so a big value does
            // not waste the rest of the current chunk.
            if rounded > Arena.chunkSize / 4 { return newChunk(rounded) }
            cursor = newChunk(Arena.chunkSize)
            remaining = Arena.chunkSize
        }
        let result = cursor!
        cursor = result + rounded
        remaining -= rounded
        return result
    }

    private func newChunk(_ size: Int) -> UnsafeMutableRawPointer {
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        chunk.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        chunks.append(chunk)
        reserved.wrappingAdd(size, ordering: .relaxed)
        return chunk
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }
}
