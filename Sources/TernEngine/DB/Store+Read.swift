extension Store {
    /// Point lookup: the memtables, then level 0 newest first, then one file per deeper level.
    func get(key: UnsafeRawBufferPointer, snapshot: ReadSnapshot?) throws -> [UInt8]? {
        try checkOpen()
        // The view before the sequence: the view's files hold every version up to any later
        // sequence (compactions after this point install new files this view does not see).
        let view = captureView()
        let sequence = snapshot?.sequence ?? readSequence
        switch view.memtable.get(userKey: key, snapshot: sequence) {
        case .found(let value): return value
        case .deleted: return nil
        case .notFound: break
        }
        if let immutable = view.immutable {
            switch immutable.get(userKey: key, snapshot: sequence) {
            case .found(let value): return value
            case .deleted: return nil
            case .notFound: break
            }
        }
        for file in view.version.levels[0] where Store.covers(file, key) {
            switch try tableCache.table(file).get(userKey: key, snapshot: sequence) {
            case .found(let value): return value
            case .deleted: return nil
            case .notFound: continue
            }
        }
        for files in view.version.levels.dropFirst() where !files.isEmpty {
            guard let file = Store.fileCovering(key, in: files) else { continue }
            switch try tableCache.table(file).get(userKey: key, snapshot: sequence) {
            case .found(let value): return value
            case .deleted: return nil
            case .notFound: continue
            }
        }
        return nil
    }

    /// Whether `file`'s user-key range contains `userKey`.
    static func covers(_ file: FileMetadata, _ userKey: UnsafeRawBufferPointer) -> Bool {
        file.smallest.withUnsafeBytes { compareBytes(InternalKey.userKey($0), userKey) <= 0 }
            && file.largest.withUnsafeBytes { compareBytes(InternalKey.userKey($0), userKey) >= 0 }
    }

    /// The file of a level ≥ 1 (disjoint, sorted) that may hold `userKey`: a binary search for
    /// the first file whose largest key is >= it.
    static func fileCovering(_ userKey: UnsafeRawBufferPointer, in files: [FileMetadata]) -> FileMetadata? {
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].largest.withUnsafeBytes({ compareBytes(InternalKey.userKey($0), userKey) < 0 }) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low < files.count,
              files[low].smallest.withUnsafeBytes({ compareBytes(InternalKey.userKey($0), userKey) <= 0 })
        else { return nil }
        return files[low]
    }
}
