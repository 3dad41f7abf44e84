/// Iterates the files of one level ≥ 1 (sorted, disjoint) as one sorted sequence, opening each
/// file only when the cursor reaches it. One child of a merge instead of one per file.
///
/// Mutable state lives behind a `let` pointer (see `ChildIterator` for why).
/// Thread safety: none; confined to its iterator's thread.
final class LevelCursor {
    private struct State {
        var fileIndex = -1
        var current: SSTableCursor?
        /// A failure to open a file; iteration stops.
        var error: TernError?
    }

    private let files: [FileMetadata]
    private let tableCache: TableCache
    private let fillsCache: Bool
    private let state: UnsafeMutablePointer<State>

    init(files: [FileMetadata], tableCache: TableCache, fillsCache: Bool = true) {
        self.files = files
        self.tableCache = tableCache
        self.fillsCache = fillsCache
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var isValid: Bool { state.pointee.current?.state.pointee.isValid ?? false }
    var key: UnsafeRawBufferPointer { state.pointee.current!.state.pointee.key }
    var value: UnsafeRawBufferPointer { state.pointee.current!.state.pointee.value }
    var iteratorError: TernError? { state.pointee.error ?? state.pointee.current?.state.pointee.error }
    /// The file the cursor is in, if any.
    var currentPath: String? { state.pointee.current?.state.pointee.table.path }

    func seekToFirst() {
        open(0)
        state.pointee.current?.state.pointee.seekToFirst()
        skipEmptyForward()
    }

    func seekToLast() {
        open(files.count - 1)
        state.pointee.current?.state.pointee.seekToLast()
        skipEmptyBackward()
    }

    func seek(_ target: UnsafeRawBufferPointer) {
        // The first file whose largest key is >= target.
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].largest.withUnsafeBytes({ InternalKey.compare($0, target) < 0 }) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        open(low)
        state.pointee.current?.state.pointee.seek(target)
        skipEmptyForward()
    }

    func next() {
        state.pointee.current!.state.pointee.next()
        skipEmptyForward()
    }

    func prev() {
        state.pointee.current!.state.pointee.prev()
        skipEmptyBackward()
    }

    /// Whether the current file is exhausted (no entry, no error) and the next should be tried.
    private var currentIsExhausted: Bool {
        guard let current = state.pointee.current, state.pointee.error == nil else { return false }
        return !current.state.pointee.isValid && current.state.pointee.error == nil
    }

    private func skipEmptyForward() {
        while currentIsExhausted {
            guard state.pointee.fileIndex + 1 < files.count else {
                state.pointee.current = nil
                return
            }
            open(state.pointee.fileIndex + 1)
            state.pointee.current?.state.pointee.seekToFirst()
        }
    }

    private func skipEmptyBackward() {
        while currentIsExhausted {
            guard state.pointee.fileIndex > 0 else {
                state.pointee.current = nil
                return
            }
            open(state.pointee.fileIndex - 1)
            state.pointee.current?.state.pointee.seekToLast()
        }
    }

    private func open(_ index: Int) {
        guard index >= 0 && index < files.count else {
            state.pointee.current = nil
            state.pointee.fileIndex = index
            return
        }
        if index == state.pointee.fileIndex && state.pointee.current != nil { return }
        state.pointee.fileIndex = index
        do {
            state.pointee.current = SSTableCursor(try tableCache.table(files[index]).makeIterator(fillsCache: fillsCache))
        } catch let failure as TernError {
            state.pointee.error = failure
            state.pointee.current = nil
        } catch {
            state.pointee.error = TernError(.ioError, "\(error)")
            state.pointee.current = nil
        }
    }
}
