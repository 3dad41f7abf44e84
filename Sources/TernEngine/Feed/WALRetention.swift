/// Which WAL files the store may delete: the rule that keeps the change feed whole.
///
/// The engine needs a WAL until its batches are in SSTables (its number is below the manifest's
/// log number). The change feed needs it until every registered consumer has acknowledged its
/// last batch, but only within `retentionBytes`: past that, the oldest files go anyway (and every
/// file older than them, so the feed never has a hole) and a consumer still behind them gets
/// `cursorTooOld` instead of holding the disk hostage.
struct WALRetention {
    struct File {
        var number: FileNumber
        /// The sequence number of its first batch; nil for a file holding none.
        var firstSequence: SequenceNumber?
        var sizeBytes: Int
    }

    /// The WAL files to delete among `files`.
    ///
    /// - Parameters:
    ///   - logNumber: files numbered from here on hold batches not yet in SSTables: never deleted.
    ///   - lastSequence: the store's last sequence number (where the newest file's batches end).
    ///   - consumers: the sequence number each consumer acknowledged through.
    static func obsolete(
        _ files: [File], logNumber: FileNumber, lastSequence: SequenceNumber, consumers: [SequenceNumber],
        retentionBytes: Int
    ) -> [FileNumber] {
        let sorted = files.sorted { $0.number < $1.number }
        let slowest = consumers.min()
        var deletable: [FileNumber] = []
        var retainedBytes = 0
        var boundReached = false
        // Newest first, so the bound keeps the newest history.
        for (index, file) in sorted.enumerated().reversed() where file.number < logNumber {
            // The file's last batch ends where the next file with batches begins.
            let nextStart = sorted[(index + 1)...].lazy.compactMap(\.firstSequence).first
            let fileLast = nextStart.map { $0.rawValue - 1 } ?? lastSequence.rawValue
            let isNeeded = slowest.map { file.firstSequence != nil && $0.rawValue < fileLast } ?? false
            if isNeeded && !boundReached && retainedBytes + file.sizeBytes <= retentionBytes {
                retainedBytes += file.sizeBytes
            } else {
                if isNeeded { boundReached = true }
                deletable.append(file.number)
            }
        }
        return deletable
    }
}
