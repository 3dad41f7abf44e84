import Glibc
import Testing
import TernTesting

/// The main job (`tern demo`), shortened to seconds on small data: three regions replicate,
/// converge, restore, verify; the report is written and well formed; the exit status says
/// whether the verifications passed.
@Suite struct MainJobTests {
    static var tern: String { ChildProcess.siblingExecutable("tern", overriddenBy: "TERN_CLI") }

    @Test func shortenedMainJobVerifiesAndReports() throws {
        #expect(access(Self.tern, X_OK) == 0, "tern binary missing at \(Self.tern)")
        let root = try TemporaryDirectories.make("main-job")
        defer { TemporaryDirectories.removeTree(root) }
        let outcome = try ChildProcess.run(Self.tern, [
            "demo", "--data", root + "/data", "--users", "1500", "--duration", "6", "--rate", "150", "--workers", "4",
        ])
        let text = outcome.text
        #expect(outcome.exitStatus == 0, "the main job failed:\n\(text)")
        for line in ["replicas agree after", "restored Messages as of", ": identical", "0 lost",
                     "Users: us-east 1500 items", "caught up after the partition healed"] {
            #expect(text.contains(line), "missing from the output: \(line)\n\(text)")
        }
        // Every region converged to the same contents: each table's digest appears for all three.
        for table in ["Users", "Matches", "Messages"] {
            let line = text.split(separator: "\n").first { $0.contains("   \(table): us-east") }.map(String.init) ?? ""
            let digests = line.split(separator: ";").compactMap { $0.split(separator: " ").last }
            #expect(digests.count == 3 && Set(digests).count == 1, "\(table) differs between regions: \(line)")
        }
        let report = try readFile(root + "/data/report.html")
        #expect(report.hasPrefix("<!DOCTYPE html>") && report.hasSuffix("</html>\n"))
        #expect(report.occurrences(of: "<svg") >= 4, "charts missing from the report")
        #expect(report.occurrences(of: "<svg") == report.occurrences(of: "</svg>"))
        #expect(!report.contains("missed\">missed") || report.contains("≥ 500 req/s"))
        #expect(!report.contains("http://") && !report.contains("https://") && !report.contains("<script"), "the report must open with no network")
    }

    private func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw ReadError(path: path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct ReadError: Error {
    var path: String
}

extension String {
    /// How many times `needle` occurs (byte-wise, non-overlapping).
    func occurrences(of needle: String) -> Int {
        let haystack = Array(utf8), pattern = Array(needle.utf8)
        guard !pattern.isEmpty, haystack.count >= pattern.count else { return 0 }
        var count = 0
        var index = 0
        while index <= haystack.count - pattern.count {
            if haystack[index..<(index + pattern.count)].elementsEqual(pattern) {
                count += 1
                index += pattern.count
            } else {
                index += 1
            }
        }
        return count
    }

    func contains(_ needle: String) -> Bool { occurrences(of: needle) > 0 }
}
