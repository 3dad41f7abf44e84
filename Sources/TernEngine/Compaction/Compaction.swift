/// A unit of compaction work: the files of `level` and the overlapping files of `level + 1`,
/// merged into new files of `level + 1`.
struct Compaction {
    let level: Int
    /// Input files of `level` (all overlapping level-0 files when `level` is 0).
    let inputs: [FileMetadata]
    /// Overlapping files of `level + 1`.
    let nextLevelInputs: [FileMetadata]
    /// Files of `level + 2` overlapping the inputs: how much a moved file would cost later.
    let grandparentBytes: Int

    var outputLevel: Int { level + 1 }
    var allInputs: [FileMetadata] { inputs + nextLevelInputs }

    /// A single file with nothing below it to merge with is moved by a manifest edit alone
    /// (no rewrite), unless it would land on top of too much data in the level after.
    func isTrivialMove(targetFileSizeBytes: Int) -> Bool {
        inputs.count == 1 && nextLevelInputs.isEmpty && grandparentBytes <= 10 * targetFileSizeBytes
    }

    /// The user-key range of every input.
    var userKeyRange: (smallest: ArraySlice<UInt8>, largest: ArraySlice<UInt8>) {
        var smallest = allInputs[0].smallestUserKey
        var largest = allInputs[0].largestUserKey
        for file in allInputs.dropFirst() {
            if file.smallestUserKey.lexicographicallyPrecedes(smallest) { smallest = file.smallestUserKey }
            if largest.lexicographicallyPrecedes(file.largestUserKey) { largest = file.largestUserKey }
        }
        return (smallest, largest)
    }
}

/// Chooses what to compact next (LevelDB's leveled policy).
///
/// Each level has a score: level 0 its file count over `level0CompactionTrigger` (reads must
/// check every level-0 file), deeper levels their bytes over their budget (level 1's budget
/// times `levelSizeMultiplier` per level). The highest score of at least 1 wins. Within a level,
/// files are taken round-robin after the last compacted key (`compactPointers`), so every key
/// range gets its turn.
struct CompactionPicker {
    let options: StoreOptions

    /// The score of each level (the last level has no budget: it has nowhere to go).
    func scores(_ version: Version) -> [Double] {
        var scores = [Double](repeating: 0, count: Version.levelCount - 1)
        scores[0] = Double(version.levels[0].count) / Double(max(options.level0CompactionTrigger, 1))
        for level in 1..<(Version.levelCount - 1) {
            scores[level] = Double(Version.totalBytes(version.levels[level])) / Double(options.maxBytes(forLevel: level))
        }
        return scores
    }

    func pick(_ version: Version, compactPointers: [[UInt8]?]) -> Compaction? {
        let scores = scores(version)
        guard let (level, score) = scores.enumerated().max(by: { $0.element < $1.element }), score >= 1 else {
            return nil
        }
        let files = version.levels[level]
        guard !files.isEmpty else { return nil }
        var seed: FileMetadata
        if level == 0 {
            // The oldest level-0 file first (files are newest first).
            seed = files[files.count - 1]
        } else {
            seed = files[0]
            if let pointer = compactPointers[level] {
                if let next = files.first(where: { compareInternal($0.largest, pointer) > 0 }) { seed = next }
            }
        }
        var inputs = [seed]
        if level == 0 {
            inputs = version.overlappingFiles(level: 0, smallest: seed.smallestUserKey, largest: seed.largestUserKey)
        }
        return makeCompaction(version, level: level, inputs: inputs)
    }

    func makeCompaction(_ version: Version, level: Int, inputs: [FileMetadata]) -> Compaction {
        var smallest = inputs[0].smallestUserKey
        var largest = inputs[0].largestUserKey
        for file in inputs.dropFirst() {
            if file.smallestUserKey.lexicographicallyPrecedes(smallest) { smallest = file.smallestUserKey }
            if largest.lexicographicallyPrecedes(file.largestUserKey) { largest = file.largestUserKey }
        }
        let next = version.overlappingFiles(level: level + 1, smallest: smallest, largest: largest)
        var grandparentBytes = 0
        if level + 2 < Version.levelCount {
            grandparentBytes = Version.totalBytes(version.overlappingFiles(level: level + 2, smallest: smallest, largest: largest))
        }
        return Compaction(level: level, inputs: inputs, nextLevelInputs: next, grandparentBytes: grandparentBytes)
    }
}
