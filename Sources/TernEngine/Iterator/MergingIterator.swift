/// Merges sorted children into one stream of internal keys, forward or backward.
///
/// Invariant: moving forward, every valid child is positioned at its first key >= the current
/// key; moving backward, at its last key <= it. Changing direction re-seeks the other children
/// (LevelDB's scheme), so mixed next/prev stays correct.
struct MergingIterator {
    private let children: [ChildIterator]
    private var current: Int?
    private var isForward = true

    init(children: [ChildIterator]) {
        self.children = children
    }

    var isValid: Bool { current != nil }
    var key: UnsafeRawBufferPointer { children[current!].key }
    var value: UnsafeRawBufferPointer { children[current!].value }

    /// The source of the current entry (a file name or "memtable"). REQUIRES: `isValid`.
    var currentSourceName: String { children[current!].sourceName }

    /// The first error any child met (a corrupt block); iteration stops being trustworthy.
    var error: TernError? {
        for child in children { if let error = child.error { return error } }
        return nil
    }

    mutating func seekToFirst() {
        for child in children { child.seekToFirst() }
        isForward = true
        findSmallest()
    }

    mutating func seekToLast() {
        for child in children { child.seekToLast() }
        isForward = false
        findLargest()
    }

    mutating func seek(_ target: UnsafeRawBufferPointer) {
        for child in children { child.seek(target) }
        isForward = true
        findSmallest()
    }

    /// Moves to the last key < `target` (invalid when there is none), positioning every child
    /// directly for backward iteration: one seek per child, where `seek` followed by `prev`
    /// would seek every child a second time to change direction.
    mutating func seekBefore(_ target: UnsafeRawBufferPointer) {
        for child in children {
            child.seek(target)
            if child.isValid { child.prev() } else { child.seekToLast() }
        }
        isForward = false
        findLargest()
    }

    mutating func next() {
        guard let current else { preconditionFailure("next() on an invalid iterator") }
        if !isForward {
            let saved = Array(key)
            saved.withUnsafeBytes { saved in
                for index in children.indices where index != current {
                    children[index].seek(saved)
                    if children[index].isValid && InternalKey.compare(children[index].key, saved) == 0 {
                        children[index].next()
                    }
                }
            }
            isForward = true
        }
        children[current].next()
        findSmallest()
    }

    mutating func prev() {
        guard let current else { preconditionFailure("prev() on an invalid iterator") }
        if isForward {
            let saved = Array(key)
            saved.withUnsafeBytes { saved in
                for index in children.indices where index != current {
                    children[index].seek(saved)
                    if children[index].isValid {
                        children[index].prev()
                    } else {
                        children[index].seekToLast()
                    }
                }
            }
            isForward = false
        }
        children[current].prev()
        findLargest()
    }

    private mutating func findSmallest() {
        var best: Int?
        for index in children.indices where children[index].isValid {
            if let chosen = best, InternalKey.compare(children[index].key, children[chosen].key) >= 0 { continue }
            best = index
        }
        current = best
    }

    private mutating func findLargest() {
        var best: Int?
        for index in children.indices.reversed() where children[index].isValid {
            if let chosen = best, InternalKey.compare(children[index].key, children[chosen].key) <= 0 { continue }
            best = index
        }
        current = best
    }
}
