import Glibc

/// What the kernel says about this process and machine, read from `/proc`.
///
/// Peak RSS is per process, which is why every engine runs in a child process of its own.
enum ProcessMetrics {
    /// Nanoseconds on the monotonic clock.
    @inline(__always)
    static func nowNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// The whole text of a small `/proc` file, or `nil` when it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of a `Name:   value [kB]` line of a `/proc` status-like file.
    static func field(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let rest = line.dropFirst(name.count + 1).split(separator: " ", omittingEmptySubsequences: true)
            return rest.first.flatMap { Int($0) }
        }
        return nil
    }

    /// Peak resident set size of this process in bytes (VmHWM), since it started or since the
    /// last `resetPeakResidentSet()` that succeeded.
    static func peakResidentSetBytes() -> Int {
        if let status = readSmallFile("/proc/self/status"), let kibibytes = field("VmHWM", in: status) {
            return kibibytes * 1024
        }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    /// Current resident set size in bytes (VmRSS).
    static func residentSetBytes() -> Int {
        guard let status = readSmallFile("/proc/self/status") else { return 0 }
        return (field("VmRSS", in: status) ?? 0) * 1024
    }

    /// Resets VmHWM to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux 4.0+), so the
    /// peak of the next workload is its own. Returns `false` when the kernel refuses.
    static func resetPeakResidentSet() -> Bool {
        let descriptor = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let written = "5".withCString { write(descriptor, $0, 1) }
        return written == 1
    }

    /// Bytes this process (all threads) passed to write-like system calls (`wchar` of
    /// `/proc/self/io`): WAL, tables, manifest, everything the engine writes.
    static func bytesWrittenBySyscalls() -> Int {
        guard let io = readSmallFile("/proc/self/io") else { return 0 }
        return field("wchar", in: io) ?? 0
    }

    /// The 1-minute load average.
    static func loadAverage() -> Double {
        guard let text = readSmallFile("/proc/loadavg"),
              let first = text.split(separator: " ").first else { return -1 }
        return Double(first) ?? -1
    }

    /// The path of the running executable.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
