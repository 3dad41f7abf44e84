import TernEngine

/// The name of a region (a replica of the global tables), as it appears in stamps, in
/// `ReplicaUpdates` and on the command line: 1 to 64 bytes of `A-Z a-z 0-9 . _ -`.
///
/// Regions are ordered by the bytes of their names. The order breaks ties between two writes
/// stamped with the same hybrid-logical-clock value in different regions (see `WriteStamp`), so
/// it must be the same everywhere: names are plain ASCII, compared byte by byte.
public struct RegionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The name's UTF-8 bytes (ASCII).
    public let name: String

    /// The longest region name, in bytes.
    public static let maxLength = 64

    /// A region called `name`.
    ///
    /// - Throws: `DynamoError` `ValidationException` when `name` is empty, longer than 64 bytes or
    ///   holds a character outside `A-Z a-z 0-9 . _ -`.
    public init(_ name: String) throws(DynamoError) {
        guard RegionID.isValid(name) else {
            throw .validation(
                "Invalid region name '\(name)': a region name is 1 to \(RegionID.maxLength) characters of A-Z, a-z, 0-9, '.', '_' and '-'")
        }
        self.name = name
    }

    /// A name already known to be valid (decoded and checked, or a literal in a test).
    init(unchecked name: String) {
        self.name = name
    }

    /// Whether `name` is a valid region name.
    public static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...maxLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    public static func < (a: RegionID, b: RegionID) -> Bool {
        a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }

    public var description: String { name }
}
