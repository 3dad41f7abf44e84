/// One immutable state of the file set: the SSTables of each level.
///
/// Level 0 holds flushed memtables, newest first; their key ranges may overlap. Levels 1 and
/// beyond hold files with disjoint key ranges, sorted by smallest key.
///
/// Thread safety: immutable, shared freely; a reader that holds a version keeps its files alive.
package final class Version: Sendable {
    package static let levelCount = 7

    let levels: [[FileMetadata]]

    init(levels: [[FileMetadata]]) {
        precondition(levels.count == Version.levelCount)
        self.levels = levels
    }

    static let empty = Version(levels: Array(repeating: [], count: levelCount))

    /// Number of files per level.
    package var fileCounts: [Int] { levels.map(\.count) }

    /// Total bytes per level.
    package var levelSizes: [Int] { levels.map { $0.reduce(0) { $0 + $1.sizeBytes } } }

    var allFiles: [FileMetadata] { levels.flatMap { $0 } }

    /// The version that results from applying `edit`. Checks the level invariants.
    func applying(_ edit: VersionEdit) throws -> Version {
        var levels = self.levels
        var removed: [FileNumber: FileMetadata] = [:]
        for (level, number) in edit.deletedFiles {
            guard let index = levels[level].firstIndex(where: { $0.number == number }) else {
                throw TernError(.corruption, "manifest deletes file \(number) from level \(level), which does not hold it")
            }
            removed[number] = levels[level].remove(at: index)
        }
        for (level, file) in edit.newFiles {
            // A file moved to another level keeps its metadata object: every version that holds
            // the file then shares one reference count, which decides when the file is deleted.
            if let moved = removed[file.number] {
                levels[level].append(moved)
            } else {
                levels[level].append(FileMetadata(
                    number: file.number, sizeBytes: file.sizeBytes, smallest: file.smallest, largest: file.largest))
            }
        }
        levels[0].sort { $0.number > $1.number }
        for level in 1..<Version.levelCount {
            levels[level].sort { compareInternal($0.smallest, $1.smallest) < 0 }
            for index in levels[level].indices.dropFirst() {
                let previous = levels[level][index - 1]
                guard compareInternal(previous.largest, levels[level][index].smallest) < 0 else {
                    throw TernError(.corruption, "files \(previous.number) and \(levels[level][index].number) overlap in level \(level)")
                }
            }
        }
        return Version(levels: levels)
    }

    /// The edit that rebuilds this version from nothing (the first record of a new manifest).
    func snapshotEdit() -> VersionEdit {
        var edit = VersionEdit()
        for (level, files) in levels.enumerated() {
            for file in files {
                edit.newFiles.append((level, .init(
                    number: file.number, sizeBytes: file.sizeBytes, smallest: file.smallest, largest: file.largest)))
            }
        }
        return edit
    }
}

func compareInternal(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in InternalKey.compare(a, b) } }
}

extension Version {
    /// The files of `level` whose user-key range intersects `[smallest, largest]` (user keys).
    /// For level 0 the range grows to cover every overlapping file, transitively, since level-0
    /// files overlap each other and a compaction must take every version of its keys.
    func overlappingFiles(level: Int, smallest: ArraySlice<UInt8>, largest: ArraySlice<UInt8>) -> [FileMetadata] {
        var low = smallest
        var high = largest
        var result: [FileMetadata] = []
        var index = 0
        let files = levels[level]
        while index < files.count {
            let file = files[index]
            index += 1
            if file.largestUserKey.lexicographicallyPrecedes(low) || high.lexicographicallyPrecedes(file.smallestUserKey) {
                continue
            }
            result.append(file)
            if level == 0 {
                var grew = false
                if file.smallestUserKey.lexicographicallyPrecedes(low) { low = file.smallestUserKey; grew = true }
                if high.lexicographicallyPrecedes(file.largestUserKey) { high = file.largestUserKey; grew = true }
                if grew {
                    result.removeAll()
                    index = 0
                }
            }
        }
        return result
    }

    /// Bytes of the files in `files`.
    static func totalBytes(_ files: [FileMetadata]) -> Int {
        files.reduce(0) { $0 + $1.sizeBytes }
    }
}
