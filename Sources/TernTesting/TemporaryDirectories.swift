import Glibc
import TernEngine

/// Fresh directories for tests, all under one parent per test process, which is removed with
/// everything in it when the process exits (`TERN_KEEP_TEMP=1` keeps it and prints where it is,
/// for a post-mortem).
public enum TemporaryDirectories {
    /// A new, empty directory whose name starts with `label`.
    public static func make(_ label: String) throws -> String {
        var template = Array("\(parent)/\(label)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw TernError(.ioError, "mkdtemp failed in \(parent) (errno \(errno))")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process's parent directory, created on first use; its removal is registered then.
    public static let parent: String = {
        var template = Array("/tmp/tern-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            fatalError("tern tests: cannot create a temporary directory under /tmp (errno \(errno))")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        atexit {
            if let keep = getenv("TERN_KEEP_TEMP"), String(cString: keep) == "1" {
                print("tern tests: kept \(TemporaryDirectories.parent)")
                return
            }
            removeTree(TemporaryDirectories.parent)
        }
        return path
    }()

    /// Removes `path` and, when it is a directory, everything under it (symbolic links are
    /// removed, not followed). Errors are ignored: this is clean-up.
    public static func removeTree(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            for name in (try? PosixFileSystem().listDirectory(path)) ?? [] where name != "." && name != ".." {
                removeTree(path + "/" + name)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
