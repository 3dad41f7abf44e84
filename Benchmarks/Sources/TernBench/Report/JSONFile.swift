#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// JSON files of reports. Foundation's coders are used here only, off every measured path.
enum JSONFile {
    static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(value)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = [UInt8](data) + [10]
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard let text = ProcessMetrics.readSmallFile(path), !text.isEmpty else {
            throw BenchError("cannot read \(path)")
        }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
