/// The record log format shared by the write-ahead log and the manifest.
/// Specified in `docs/formats/wal.md`; a change to it bumps `LogFormat.version`.
///
/// A log is a sequence of 32 KiB blocks. A record is split into fragments that never cross a
/// block boundary; each fragment has a 7-byte header:
///
///     masked CRC32C (fixed32) | length (fixed16) | type (1 byte) | payload (length bytes)
///
/// The CRC covers the type byte and the payload. A block's last 1–6 bytes, too few for a header,
/// are zero-filled.
package enum LogFormat {
    static let version: UInt32 = 1
    package static let blockSize = 32 * 1024
    static let headerSize = 7
    /// The largest record the log accepts (the engine's batch limit is far below it).
    package static let maxRecordSize = 1 << 30
}

/// The fragment type byte.
enum LogRecordType: UInt8 {
    /// Never written; zeros here mean preallocated or unwritten space.
    case zero = 0
    case full = 1
    case first = 2
    case middle = 3
    case last = 4
}
