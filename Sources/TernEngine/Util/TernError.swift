/// An operating error from the storage engine: a code a caller can branch on, a message a person
/// can act on, and, for on-disk problems, the file and byte offset involved.
///
/// Programmer errors (violated preconditions) trap instead; everything the environment can cause
/// (I/O failures, corrupt files, a locked directory) is a `TernError`.
public struct TernError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable {
        /// Stored bytes failed a checksum or do not parse. Never served as data.
        case corruption
        /// The operating system reported an I/O failure.
        case ioError
        /// The device is full.
        case noSpace
        /// A file or directory that must exist does not.
        case notFound
        /// The caller passed something the engine cannot accept (too large, malformed).
        case invalidArgument
        /// Another process (or another open store in this one) holds the directory lock.
        case locked
        /// The store was written by a newer format version than this build understands.
        case unsupportedFormat
        /// An earlier durability failure (a failed sync) makes the store refuse writes until reopened.
        case writesRefused
        /// The store has been closed.
        case closed
        /// A change-feed cursor points before the oldest batch the store still keeps (the
        /// consumer fell further behind than `changeFeedRetentionBytes`): there is a gap.
        case cursorTooOld
        /// The store was opened read-only (`StoreOptions.readOnly`) and refuses writes.
        case readOnly
    }

    public let code: Code
    public let message: String
    /// The file involved, as a path relative to the store directory when the engine knows it.
    public let file: String?
    /// The byte offset in `file` where the problem was found.
    public let offset: Int?
    /// The `errno` behind an I/O failure.
    public let errno: Int32?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.errno = errno
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let file { text += " [file \(file)" + (offset.map { " at offset \($0)" } ?? "") + "]" }
        if let errno { text += " (errno \(errno))" }
        return text
    }

    package static func corruption(_ message: String, file: String?, offset: Int?) -> TernError {
        TernError(.corruption, message, file: file, offset: offset)
    }

    /// The same error, naming `file` when it did not name one yet.
    func naming(file name: String, offset: Int? = nil) -> TernError {
        if file != nil { return self }
        return TernError(code, message, file: name, offset: offset ?? self.offset, errno: errno)
    }
}
