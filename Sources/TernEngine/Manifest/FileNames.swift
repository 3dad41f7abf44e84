/// A number naming a file of the store: WALs, SSTables and manifests share one counter.
package struct FileNumber: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }
    package init(_ value: UInt64) { self.rawValue = value }
    package static func < (a: FileNumber, b: FileNumber) -> Bool { a.rawValue < b.rawValue }
    package var description: String { String(rawValue) }
}

/// The names of the files in a store directory.
///
///     LOCK               held while the store is open
///     CURRENT            names the live manifest ("MANIFEST-000005\n"), replaced atomically
///     MANIFEST-000005    the version edits of the file set
///     000007.wal         a write-ahead log
///     000009.sst         an SSTable
///     *.tmp              a file being written; deleted on open
enum FileName {
    enum Kind: Equatable {
        case wal(FileNumber)
        case table(FileNumber)
        case manifest(FileNumber)
        case current
        case lock
        case temporary

        var isWAL: Bool {
            if case .wal = self { return true }
            return false
        }
    }

    static let current = "CURRENT"
    static let lock = "LOCK"

    static func wal(_ number: FileNumber) -> String { padded(number) + ".wal" }
    static func table(_ number: FileNumber) -> String { padded(number) + ".sst" }
    static func manifest(_ number: FileNumber) -> String { "MANIFEST-" + padded(number) }

    private static func padded(_ number: FileNumber) -> String {
        let digits = String(number.rawValue)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// What a directory entry is, or `nil` for a name the store does not own.
    static func parse(_ name: String) -> Kind? {
        if name == current { return .current }
        if name == lock { return .lock }
        if name.hasSuffix(".tmp") { return .temporary }
        if name.hasPrefix("MANIFEST-"), let number = UInt64(name.dropFirst("MANIFEST-".count)) {
            return .manifest(FileNumber(number))
        }
        if name.hasSuffix(".wal"), let number = UInt64(name.dropLast(4)) { return .wal(FileNumber(number)) }
        if name.hasSuffix(".sst"), let number = UInt64(name.dropLast(4)) { return .table(FileNumber(number)) }
        return nil
    }
}
