/// Iterates the files of one level ≥ 1 (sorted, disjoint) as one sorted sequence, opening each
/// file only when the cursor reaches it. One child of a merge instead of one per file.
///
/// Thread safety: none; confined to its iterator's thread.
final class LevelCursor {
    private let files: [FileMetadata]
    private let tableCache: TableCache
    private let fillsCache: Bool
    private var fileIndex = -1
    private var current: SSTableCursor?
    /// A failure to open a file; iteration stops.
    private(set) var error: TernError?

    init(files: [FileMetadata], tableCache: TableCache, fillsCache: Bool = true) {
        self.files = files
        self.tableCache = tableCache
        self.fillsCache = fillsCache
    }

    var isValid: Bool { current?.iterator.isValid ?? false }
    var key: UnsafeRawBufferPointer { current!.iterator.key }
    var value: UnsafeRawBufferPointer { current!.iterator.value }
    var iteratorError: TernError? { error ?? current?.iterator.error }

    func seekToFirst() {
        open(0)
        current?.iterator.seekToFirst()
        skipEmptyForward()
    }

    func seekToLast() {
        open(files.count - 1)
        current?.iterator.seekToLast()
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
        current?.iterator.seek(target)
        skipEmptyForward()
    }

    func next() {
        current!.iterator.next()
        skipEmptyForward()
    }

    func prev() {
        current!.iterator.prev()
        skipEmptyBackward()
    }

    private func skipEmptyForward() {
        while current != nil && !current!.iterator.isValid && current!.iterator.error == nil && error == nil {
            guard fileIndex + 1 < files.count else {
                current = nil
                return
            }
            open(fileIndex + 1)
            current?.iterator.seekToFirst()
        }
    }

    private func skipEmptyBackward() {
        while current != nil && !current!.iterator.isValid && current!.iterator.error == nil && error == nil {
            guard fileIndex > 0 else {
                current = nil
                return
            }
            open(fileIndex - 1)
            current?.iterator.seekToLast()
        }
    }

    private func open(_ index: Int) {
        guard index >= 0 && index < files.count else {
            current = nil
            fileIndex = index
            return
        }
        if index == fileIndex && current != nil { return }
        fileIndex = index
        do {
            current = SSTableCursor(try tableCache.table(files[index]).makeIterator(fillsCache: fillsCache))
        } catch let failure as TernError {
            error = failure
            current = nil
        } catch {
            self.error = TernError(.ioError, "\(error)")
            current = nil
        }
    }
}
