import Glibc

/// The few directory operations the harness needs, on plain POSIX calls.
enum FileTree {
    /// Calls `body` with the name of every entry of `path` except `.` and `..`.
    private static func forEachEntry(_ path: String, _ body: (String) -> Void) {
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { body(name) }
        }
    }

    private static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    private static func isDirectory(_ info: stat) -> Bool {
        (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether anything exists at `path`.
    /// `.build-peers/<relative>` in the executable's directory or any parent that has one
    /// (what `tools/build-peers` installs), nearest first.
    static func peerBuilds(_ relative: String) -> [String] {
        var found: [String] = []
        var directory = ProcessMetrics.executablePath()
        while let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            directory = String(directory[..<slash])
            let candidate = directory + "/.build-peers/" + relative
            if exists(candidate) { found.append(candidate) }
        }
        return found
    }

    static func exists(_ path: String) -> Bool { status(path) != nil }

    /// The sum of the sizes (`st_size`) of the regular files under `path`.
    static func sizeBytes(_ path: String) -> Int {
        guard let info = status(path) else { return 0 }
        guard isDirectory(info) else { return (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0 }
        var total = 0
        forEachEntry(path) { total += sizeBytes(path + "/" + $0) }
        return total
    }

    /// Removes `path` and everything under it; a missing path is not an error.
    static func removeTree(_ path: String) throws {
        guard let info = status(path) else { return }
        if isDirectory(info) {
            var names: [String] = []
            forEachEntry(path) { names.append($0) }
            for name in names { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw BenchError("rmdir \(path): \(String(cString: strerror(errno)))") }
        } else {
            guard unlink(path) == 0 else { throw BenchError("unlink \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw BenchError("mkdir \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// An error of the harness itself (bad arguments, a peer library missing, a failed call).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
