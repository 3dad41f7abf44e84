extension Store {
    /// Point lookup: the memtables, then level 0 newest first, then one file per deeper level.
    func get(key: UnsafeRawBufferPointer, snapshot: ReadSnapshot?) throws -> [UInt8]? {
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
        for (level, files) in view.version.levels.enumerated() where !files.isEmpty {
            for file in Store.candidateFiles(files, level: level, userKey: key) {
                switch try tableCache.table(file).get(userKey: key, snapshot: sequence) {
                case .found(let value): return value
                case .deleted: return nil
                case .notFound: continue
                }
            }
        }
        return nil
    }

    /// The files of `level` whose key range covers `userKey`, in the order to consult them.
    static func candidateFiles(_ files: [FileMetadata], level: Int, userKey: UnsafeRawBufferPointer) -> [FileMetadata] {
        if level == 0 {
            return files.filter { file in
                file.smallest.withUnsafeBytes { compareBytes(InternalKey.userKey($0), userKey) <= 0 }
                    && file.largest.withUnsafeBytes { compareBytes(InternalKey.userKey($0), userKey) >= 0 }
            }
        }
        // Disjoint and sorted: binary search for the first file whose largest key >= userKey.
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
        else { return [] }
        return [files[low]]
    }
}
